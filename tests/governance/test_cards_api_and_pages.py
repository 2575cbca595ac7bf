"""Model cards and bias assessments through the API and the pages: reads, edits, exports, uploads, refusals,
and what another unit's data scientist gets."""

from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from governance import services
from governance.models import BiasAssessment, ModelCard
from lifecycle import services as lifecycle
from tests.governance.helpers import FULL_CARD, person
from tests.governance.test_cards_and_fairness import FIXTURE


def card_url(version):
    return f"/api/v1/governance/versions/{version.pk}/model-card/"


def bias_url(version):
    return f"/api/v1/governance/versions/{version.pk}/bias-assessments/"


def test_the_card_api_reads_an_empty_card_then_patches_it(pending, ds, api):
    client = api(ds)
    empty = client.get(card_url(pending)).json()
    assert empty["id"] is None and empty["intended_use"] == "" and empty["metrics"] == {"auc": 0.91, "recall": 0.85}
    assert {s["key"]: s["state"] for s in empty["sections"]}["limitations"] == "empty"
    patched = client.patch(card_url(pending), {"limitations": "Not for business cards."}, format="json")
    assert patched.status_code == 200
    body = patched.json()
    assert body["id"] == ModelCard.objects.get().pk and body["updated_by"] == "ds"
    assert {s["key"]: s["state"] for s in body["sections"]}["limitations"] == "complete"
    assert body["completeness"] == round(100 * 2 / 11)  # limitations, plus two half sections
    refused = client.patch(card_url(pending), {"explainability_method": "magic"}, format="json")
    assert refused.status_code == 400 and "explainability_method" in refused.json()["detail"]


def test_the_markdown_export_downloads(pending, ds, api, client):
    services.model_card_save(actor=ds, version=pending, **FULL_CARD)
    response = api(ds).get(card_url(pending) + "markdown/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("# Model card: fraud-scorer v1") and "Not trained on business cards." in text
    client.force_login(ds)
    page = client.get(f"/governance/versions/{pending.pk}/card/model-card.md")
    assert page["Content-Type"].startswith("text/markdown") and page.content.decode() == text


def test_bias_assessments_are_created_from_a_multipart_upload_or_csv_text(pending, ds, api):
    client = api(ds)
    upload = SimpleUploadedFile("holdout.csv", FIXTURE, content_type="text/csv")
    created = client.post(bias_url(pending), {"file": upload, "reference_groups": ["group=A"]}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["file_name"] == "holdout.csv" and body["row_count"] == 20 and body["passed"] is False
    groups = {g["group"]: g for g in body["results"]["group"]["groups"]}
    assert groups["B"]["disparate_impact"] == 0.5
    as_text = client.post(
        bias_url(pending), {"content": FIXTURE.decode(), "reference_groups": ["group=B"]}, format="json"
    )
    assert as_text.status_code == 201 and as_text.json()["reference_groups"] == {"group": "B"}
    assert [a["id"] for a in client.get(bias_url(pending)).json()] == [as_text.json()["id"], body["id"]]
    listed = client.get(f"/api/v1/bias-assessments/?model_version={pending.pk}").json()
    assert listed["count"] == 2
    assert client.get(f"/api/v1/bias-assessments/{body['id']}/").json()["failures"]


def test_a_bad_upload_answers_400_naming_the_problem(pending, ds, api):
    client = api(ds)
    missing = SimpleUploadedFile("p.csv", b"label,prediction\n1,1\n", content_type="text/csv")
    response = client.post(bias_url(pending), {"file": missing, "reference_groups": ["group=A"]}, format="multipart")
    assert response.status_code == 400 and "missing column group" in response.json()["detail"]
    both = client.post(bias_url(pending), {"reference_groups": ["group=A"]}, format="json")
    assert both.status_code == 400
    badly_named = client.post(bias_url(pending), {"content": "x", "reference_groups": ["group"]}, format="json")
    assert badly_named.status_code == 400 and "column=reference group" in badly_named.json()["detail"]
    assert not BiasAssessment.objects.exists()


def test_another_units_data_scientist_may_read_but_not_write_and_never_sees_confidential(pending, ds, api, units):
    stranger = api(person("corp-ds", "data_scientist", units=(units["CORP"],)))
    assert stranger.get(card_url(pending)).status_code == 200  # not confidential: readable
    assert stranger.patch(card_url(pending), {"limitations": "x"}, format="json").status_code == 403
    upload = {"content": FIXTURE.decode(), "reference_groups": ["group=A"]}
    assert stranger.post(bias_url(pending), upload, format="json").status_code == 403
    secret_model = lifecycle.model_register(
        actor=ds, name="secret-scorer", use_case=pending.model.use_case, confidential=True
    )
    secret = lifecycle.model_version_register(actor=ds, model=secret_model, version="1")
    mine = api(ds).post(bias_url(secret), upload, format="json")
    assert mine.status_code == 201
    for url in (
        card_url(secret),
        card_url(secret) + "markdown/",
        bias_url(secret),
        f"/api/v1/bias-assessments/{mine.json()['id']}/",
    ):
        assert stranger.get(url).status_code == 404, url
    assert stranger.patch(card_url(secret), {"limitations": "x"}, format="json").status_code == 404
    assert stranger.get("/api/v1/bias-assessments/").json()["count"] == 0
    pages = ("card/", "card/edit/", "card/print/", "card/model-card.md", "bias-assessments/")
    from django.test import Client

    browser = Client()
    browser.force_login(person("corp-ds", "data_scientist"))
    for page in pages:
        assert browser.get(f"/governance/versions/{secret.pk}/{page}").status_code == 404, page
    assert browser.get(f"/governance/bias-assessments/{mine.json()['id']}/").status_code == 404


def test_the_card_pages_show_edit_print_and_audit(pending, ds, client):
    client.force_login(ds)
    page = client.get(f"/governance/versions/{pending.pk}/card/").content.decode()
    assert "No card has been written" in page and 'data-testid="completeness">9%' in page
    form = client.get(f"/governance/versions/{pending.pk}/card/edit/").content.decode()
    assert "Flag card fraud." in form  # a new card starts from the use case's problem statement
    saved = client.post(f"/governance/versions/{pending.pk}/card/edit/", {**FULL_CARD, "assumptions": ""})
    assert saved.status_code == 302
    assert AuditEvent.objects.get(action="model_card.created").changes["limitations"][1] == FULL_CARD["limitations"]
    page = client.get(f"/governance/versions/{pending.pk}/card/").content.decode()
    assert "Not trained on business cards." in page and "required by the policy" in page
    printable = client.get(f"/governance/versions/{pending.pk}/card/print/").content.decode()
    assert "print-card.css" in printable and "site-header" not in printable and "SHAP" in printable


def test_a_reader_outside_the_unit_sees_the_card_but_no_form(pending, client, units):
    client.force_login(person("corp-ds", "data_scientist", units=(units["CORP"],)))
    form = client.get(f"/governance/versions/{pending.pk}/card/edit/").content.decode()
    assert "card-form" not in form and "Only the owners" in form
    refused = client.post(f"/governance/versions/{pending.pk}/card/edit/", FULL_CARD)
    assert refused.status_code == 200 and "You may not change" in refused.content.decode()
    assert not ModelCard.objects.exists()


def test_the_upload_page_assesses_and_shows_a_chart_per_attribute(pending, ds, client):
    client.force_login(ds)
    url = f"/governance/versions/{pending.pk}/bias-assessments/"
    bad = client.post(
        url, {"file": SimpleUploadedFile("p.csv", b"label,prediction,group\n"), "reference_groups": "group=A"}
    )
    assert bad.status_code == 400 and "no rows" in bad.content.decode()
    done = client.post(url, {"file": SimpleUploadedFile("p.csv", FIXTURE), "reference_groups": "group=A"})
    assessment = BiasAssessment.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/governance/bias-assessments/{assessment.pk}/"
    page = client.get(done["Location"]).content.decode()
    assert 'data-chart="bias-chart-group"' in page and "plotly.min.js" in page
    assert "group=B: disparate impact 0.500" in page and "0.500" in page
    assert (
        f"/governance/bias-assessments/{assessment.pk}/"
        in client.get(f"/governance/versions/{pending.pk}/card/").content.decode()
    )


def test_cards_and_assessments_are_read_only_in_admin(pending, ds, admin_client):
    card = services.model_card_save(actor=ds, version=pending, **FULL_CARD)
    assert admin_client.get("/admin/governance/modelcard/").status_code == 200
    assert admin_client.get("/admin/governance/biasassessment/").status_code == 200
    changed = admin_client.post(f"/admin/governance/modelcard/{card.pk}/change/", {**FULL_CARD, "limitations": ""})
    assert changed.status_code == 403
    assert ModelCard.objects.get().limitations == FULL_CARD["limitations"]
    assert admin_client.post("/admin/governance/biasassessment/add/", {}).status_code == 403


def test_listing_bias_assessments_costs_the_same_for_one_or_many(pending, ds, api, django_assert_max_num_queries):
    client = api(ds)
    urls = ("/api/v1/bias-assessments/", f"/api/v1/governance/versions/{pending.pk}/bias-assessments/")

    def add():
        services.bias_assessment_create(
            actor=ds, version=pending, data=FIXTURE, file_name="p.csv", reference_groups={"group": "A"}
        )

    add()
    for url in urls:
        client.get(url)  # warm the per-user caches (permissions, memberships)
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(20) as one:
            client.get(url)
        counts[url] = len(one.captured_queries)
    for _ in range(4):
        add()
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert client.get(url).status_code == 200

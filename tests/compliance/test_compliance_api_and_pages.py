"""The compliance API and pages: scoped like the use cases, uploads limited and never served inline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from compliance.models import Evidence, Framework
from tests.compliance.test_compliance import PDF, _use_case, accept, submit
from tests.governance.helpers import person


@pytest.fixture
def setting(units):
    pm = person("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    return {
        "ds": person("ds", "data_scientist", units=(units["RETAIL"],)),
        "reviewer": person("compliance-reviewer", "review_board"),
        "admin": person("admin", "platform_admin"),
        "mine": _use_case(pm, units["RETAIL"], "Mine", "high"),
        "hidden": _use_case(pm, units["CORP"], "Hidden", "high", confidential=True),
        "corp_ds": person("corp-ds", "data_scientist", units=(units["CORP"],)),
    }


def test_frameworks_and_controls_are_listed_with_the_crosswalk(setting, api, django_assert_max_num_queries):
    client = api(setting["ds"])
    with django_assert_max_num_queries(8):
        frameworks = client.get("/api/v1/frameworks/").json()
    assert frameworks["count"] == 8
    eu = next(f for f in frameworks["results"] if f["code"] == "eu-ai-act")
    art14 = next(r for r in eu["requirements"] if r["reference"] == "Art. 14")
    assert art14["controls"] == ["CTL-06"]
    with django_assert_max_num_queries(8):
        controls = client.get("/api/v1/controls/").json()["results"]
    ctl06 = next(c for c in controls if c["code"] == "CTL-06")
    assert ctl06["tiers"] == ["high", "critical"]
    assert {(m["framework"], m["reference"]) for m in ctl06["requirements"]} == {
        ("eu-ai-act", "Art. 14"),
        ("gdpr", "Art. 22"),
        ("nist-ai-rmf", "GOVERN 1"),
    }


def test_evidence_is_submitted_as_a_file_reviewed_and_counted(setting, api):
    mine = setting["mine"]
    created = api(setting["ds"]).post(
        "/api/v1/evidence/",
        {"control": "CTL-06", "use_case": mine.pk, "kind": "file", "file": SimpleUploadedFile("oversight.pdf", PDF)},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    evidence_id = created.json()["id"]
    assert created.json()["status"] == "submitted" and created.json()["sha256"]
    refused = api(setting["ds"]).post(f"/api/v1/evidence/{evidence_id}/review/", {"decision": "accept"})
    assert refused.status_code == 403
    reviewed = api(setting["reviewer"]).post(f"/api/v1/evidence/{evidence_id}/review/", {"decision": "accept"})
    assert reviewed.status_code == 200 and reviewed.json()["valid"] is True
    again = api(setting["reviewer"]).post(f"/api/v1/evidence/{evidence_id}/review/", {"decision": "reject"})
    assert again.status_code == 409
    coverage = api(setting["ds"]).get(f"/api/v1/use-cases/{mine.pk}/coverage/").json()
    eu = next(f for f in coverage["frameworks"] if f["framework"] == "eu-ai-act")
    assert (eu["covered"], eu["required"]) == (1, 8)
    assert "CTL-06" not in eu["missing"] and "CTL-08" in eu["missing"]


def test_an_html_upload_is_refused_with_the_field_named(setting, api):
    response = api(setting["ds"]).post(
        "/api/v1/evidence/",
        {
            "control": "CTL-06",
            "use_case": setting["mine"].pk,
            "kind": "file",
            "file": SimpleUploadedFile("x.html", b"<b>"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_hidden_use_cases_and_their_evidence_answer_404(setting, api):
    hidden = setting["hidden"]
    corp_reviewer = person("corp-reviewer", "review_board", units=(hidden.business_unit,))
    evidence = accept(corp_reviewer, submit(setting["corp_ds"], hidden, "CTL-01"))
    client = api(setting["ds"])
    assert client.get(f"/api/v1/use-cases/{hidden.pk}/coverage/").status_code == 404
    assert client.get(f"/api/v1/evidence/{evidence.pk}/").status_code == 404
    assert evidence.pk not in [row["id"] for row in client.get("/api/v1/evidence/").json()["results"]]
    posted = client.post("/api/v1/evidence/", {"control": "CTL-01", "use_case": hidden.pk, "kind": "text", "text": "x"})
    assert posted.status_code in (400, 404)
    assert Evidence.objects.filter(use_case=hidden).count() == 1
    assert (
        api(setting["reviewer"]).post(f"/api/v1/evidence/{evidence.pk}/review/", {"decision": "accept"}).status_code
        == 404
    )


def test_the_evidence_file_downloads_as_an_attachment_never_inline(setting, client):
    evidence = submit(setting["ds"], setting["mine"], "CTL-02", kind="file", file=SimpleUploadedFile("dpia.pdf", PDF))
    client.force_login(setting["ds"])
    response = client.get(f"/governance/compliance/evidence/{evidence.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(person("other-ds", "data_scientist"))
    hidden = submit(setting["corp_ds"], setting["hidden"], "CTL-02", kind="file", file=SimpleUploadedFile("d.pdf", PDF))
    assert client.get(f"/governance/compliance/evidence/{hidden.pk}/file/").status_code == 404


def test_pages_show_coverage_and_take_evidence_and_reviews(setting, client):
    mine = setting["mine"]
    client.force_login(setting["ds"])
    page = client.get(f"/governance/use-cases/{mine.pk}/compliance/")
    assert page.status_code == 200
    assert b"0 of 8 controls" in page.content and b"CTL-06" in page.content
    posted = client.post(
        f"/governance/use-cases/{mine.pk}/compliance/",
        {"control": "CTL-06", "kind": "link", "url": "https://wiki.example.com/oversight"},
    )
    assert posted.status_code == 302
    evidence = Evidence.objects.get(use_case=mine)
    client.force_login(setting["reviewer"])
    listed = client.get("/governance/compliance/evidence/")
    assert b"wiki.example.com/oversight" in listed.content and b"Decide" in listed.content
    client.post(f"/governance/compliance/evidence/{evidence.pk}/review/", {"decision": "accept"})
    evidence.refresh_from_db()
    assert evidence.status == "accepted"
    overview = client.get("/governance/compliance/")
    assert b"EU AI Act" in overview.content
    eu = Framework.objects.get(code="eu-ai-act")
    framework = client.get(f"/governance/compliance/frameworks/{eu.pk}/")
    assert b"Human oversight" in framework.content and b"CTL-06" in framework.content


def test_the_import_page_previews_then_applies_for_admins_only(setting, client):
    client.force_login(setting["ds"])
    assert client.get("/governance/compliance/import/").status_code == 404
    client.force_login(setting["admin"])
    text = (
        b"code: dora\nname: DORA\nrevision: '2022/2554'\n"
        b"requirements:\n  - {reference: Art. 6, title: ICT risk framework}\n"
    )
    preview = client.post("/governance/compliance/import/", {"file": SimpleUploadedFile("dora.yaml", text)})
    assert preview.status_code == 200 and b"Art. 6" in preview.content and b"Apply this import" in preview.content
    assert not Framework.objects.filter(code="dora").exists()
    applied = client.post(
        "/governance/compliance/import/", {"step": "apply", "document": text.decode(), "filename": "dora.yaml"}
    )
    assert applied.status_code == 302
    assert Framework.objects.get(code="dora").requirements.count() == 1
    bad = client.post("/governance/compliance/import/", {"file": SimpleUploadedFile("x.yaml", b"code: x\n")})
    assert b"requirements" in bad.content and b"import-errors" in bad.content


def test_evidence_lists_run_a_constant_number_of_queries(setting, api, client, django_assert_max_num_queries):
    for code in ("CTL-01", "CTL-02", "CTL-03", "CTL-05", "CTL-06", "CTL-08"):
        accept(setting["reviewer"], submit(setting["ds"], setting["mine"], code))
    with django_assert_max_num_queries(10):
        rows = api(setting["ds"]).get("/api/v1/evidence/").json()["results"]
    assert len(rows) == 6
    client.force_login(setting["ds"])
    with django_assert_max_num_queries(20):
        page = client.get("/governance/compliance/evidence/?status=all")
    assert page.content.count(b"Accepted by") == 6
    with django_assert_max_num_queries(20):
        assert client.get(f"/governance/use-cases/{setting['mine'].pk}/compliance/").status_code == 200

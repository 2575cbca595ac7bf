"""Datasets and lineage: schemas with breaking-change flags, privacy treatment, the review gate, imports."""

import json

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import datasets, services
from lifecycle.choices import Stage
from lifecycle.models import Dataset, ModelVersion
from notifications.models import Notification
from portfolio import services as portfolio
from tests.governance.helpers import approve_assessment

COLUMNS = [{"name": "customer_id", "type": "string"}, {"name": "amount", "type": "double"}]
SIGNATURE = {"inputs": '[{"name": "amount", "type": "double"}]'}


@pytest.fixture
def ds(units, make_user):
    return make_user("ds", "data_scientist", units=(units["RETAIL"],))


@pytest.fixture
def reviewer(units, make_user):
    return make_user("rb", "review_board", units=(units["RETAIL"],))


@pytest.fixture
def model(ds, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud scoring", business_unit=units["RETAIL"])
    return services.model_register(actor=ds, name="fraud-scorer", use_case=use_case)


def _version(ds, model, label="1", stage=Stage.IN_VALIDATION):
    version = services.model_version_register(actor=ds, model=model, version=label, signature=SIGNATURE)
    if stage != Stage.REGISTERED:
        services.model_version_transition(actor=ds, version=version, to_stage=stage)
    return version


def test_a_breaking_schema_tells_the_owners_of_live_versions_what_broke(ds, model, units):
    dataset = datasets.dataset_register(actor=ds, name="cards", business_unit=units["RETAIL"], columns=COLUMNS)
    live, closed = _version(ds, model, "1"), _version(ds, model, "2", stage=Stage.REGISTERED)
    for version in (live, closed):
        datasets.version_dataset_link(actor=ds, version=version, dataset=dataset, role="training")
    services.model_version_transition(actor=ds, version=closed, to_stage=Stage.REJECTED, reason="abandoned")

    added = datasets.dataset_schema_register(
        actor=ds, dataset=dataset, columns=[*COLUMNS, {"name": "mcc", "type": "int"}]
    )
    assert not added.breaking and added.changes == ["Column mcc added (int)."]
    assert not Notification.objects.exists()

    broken = datasets.dataset_schema_register(
        actor=ds,
        dataset=dataset,
        columns=[{"name": "customer_id", "type": "string"}, {"name": "mcc", "type": "string"}],
    )
    assert broken.number == 3 and broken.breaking
    assert broken.changes == ["Column amount removed.", "Column mcc changed from int to string."]
    note = Notification.objects.get()
    assert note.recipient == ds and "fraud-scorer v1" in note.body and "v2" not in note.body
    event = AuditEvent.objects.filter(action="dataset.schema_registered").order_by("seq").last()
    assert event.changes["affected"] == [None, ["fraud-scorer v1"]]
    with pytest.raises(Conflict, match="already has this schema"):
        datasets.dataset_schema_register(actor=ds, dataset=dataset, columns=broken.columns)


def test_review_needs_training_data_and_treated_personal_data(ds, reviewer, model, units):
    approve_assessment(model.use_case)
    version = _version(ds, model)
    with pytest.raises(Conflict, match="No training dataset is recorded"):
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.PENDING_APPROVAL)
    personal = datasets.dataset_register(
        actor=ds, name="cards", business_unit=units["RETAIL"], sensitivity="restricted_personal", steward=ds
    )
    datasets.version_dataset_link(actor=ds, version=version, dataset=personal, role="training")
    with pytest.raises(Conflict, match="cards hold restricted personal data without an approved privacy treatment"):
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.PENDING_APPROVAL)
    with pytest.raises(NotAllowed):  # a data scientist may not approve treatments at all
        datasets.privacy_treatment_record(actor=ds, dataset=personal, method="pseudonymisation", technique="hash")
    with pytest.raises(ApplicationError, match="dp_epsilon"):
        datasets.privacy_treatment_record(
            actor=reviewer, dataset=personal, method="differential_privacy", technique="dp"
        )
    datasets.privacy_treatment_record(
        actor=reviewer, dataset=personal, method="pseudonymisation", technique="keyed hash"
    )
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.PENDING_APPROVAL)
    assert ModelVersion.objects.get(pk=version.pk).stage == Stage.PENDING_APPROVAL
    with pytest.raises(Conflict, match="can no longer change"):
        datasets.version_dataset_link(actor=ds, version=version, dataset=personal, role="validation")


def test_a_steward_cannot_approve_the_treatment_of_their_own_data(reviewer, units, make_user):
    other = make_user("rb2", "review_board", "data_scientist", units=(units["RETAIL"],))
    personal = datasets.dataset_register(actor=other, name="cards", sensitivity="restricted_personal", steward=other)
    with pytest.raises(NotAllowed, match="someone independent"):
        datasets.privacy_treatment_record(actor=other, dataset=personal, method="anonymisation", technique="k=10")
    datasets.privacy_treatment_record(actor=reviewer, dataset=personal, method="anonymisation", technique="k=10")
    assert personal.privacy_treatment.approved_by == reviewer


def test_synthetic_data_says_how_it_was_made(ds, units):
    with pytest.raises(ApplicationError, match="generation_method"):
        datasets.dataset_register(actor=ds, name="fake-cards", business_unit=units["RETAIL"], synthetic=True)
    assert not Dataset.objects.exists()


def test_csv_import_is_all_or_nothing_and_names_the_line(ds, units):
    bad = "name,steward,business_unit,completeness\ncards,ds,RETAIL,99\nloans,nobody,RETAIL,abc\n"
    report = datasets.datasets_import_csv(actor=ds, file_text=bad)
    assert report.errors == ["line 3: steward “nobody” is unknown; completeness must be a number between 0 and 100."]
    assert not Dataset.objects.exists()
    report = datasets.datasets_import_csv(actor=ds, file_text=bad.replace("nobody", "ds").replace("abc", "97.5"))
    assert report.created == ["cards", "loans"] and not report.errors
    assert Dataset.objects.get(name="loans").completeness == 97.5
    refused = datasets.datasets_import_csv(actor=ds, file_text="name,business_unit\nx,CORP\n")
    assert "not a member" in refused.errors[0] and not Dataset.objects.filter(name="x").exists()


def _event(fields):
    return {
        "eventType": "COMPLETE",
        "inputs": [
            {"namespace": "postgres://warehouse", "name": "public.cards", "facets": {"schema": {"fields": fields}}}
        ],
        "outputs": [{"namespace": "s3://features", "name": "card_features"}],
    }


def test_openlineage_events_register_datasets_and_their_schema_changes(ds):
    first = [{"name": "customer_id", "type": "VARCHAR"}, {"name": "amount", "type": "DOUBLE"}]
    report = datasets.datasets_import_openlineage(actor=ds, file_text=json.dumps([_event(first)]))
    assert sorted(report.created) == ["card_features", "public.cards"] and report.schemas == ["public.cards schema 1"]
    assert Dataset.objects.get(name="public.cards").source_system == "postgres://warehouse"
    again = datasets.datasets_import_openlineage(actor=ds, file_text=json.dumps(_event(first)))
    assert again.schemas == [] and again.created == []
    changed = datasets.datasets_import_openlineage(actor=ds, file_text=json.dumps(_event(first[:1])))
    assert changed.schemas == ["public.cards schema 2"]
    assert Dataset.objects.get(name="public.cards").schema_versions.first().breaking
    with pytest.raises(ApplicationError, match="not OpenLineage JSON"):
        datasets.datasets_import_openlineage(actor=ds, file_text="{oops")


def test_lineage_is_browsable_both_ways(client, ds, model, units, django_assert_max_num_queries):
    dataset = datasets.dataset_register(actor=ds, name="cards", business_unit=units["RETAIL"], columns=COLUMNS)
    version = _version(ds, model)
    datasets.version_dataset_link(actor=ds, version=version, dataset=dataset, role="training")
    client.force_login(ds)
    page = client.get(reverse("lifecycle:dataset_detail", args=[dataset.pk])).content.decode()
    assert "fraud-scorer v1" in page and "Training" in page
    page = client.get(reverse("lifecycle:model_detail", args=[model.pk])).content.decode()
    assert "cards" in page and "training" in page
    for n in range(20):
        datasets.dataset_register(actor=ds, name=f"extra-{n}", columns=COLUMNS)
    client.get(reverse("lifecycle:dataset_list"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("lifecycle:dataset_list")).content.decode()
    assert "extra-19" in page


def test_the_api_registers_links_and_refuses_in_words(ds, model, units, api):
    client = api(ds)
    created = client.post(
        "/api/v1/datasets/", {"name": "cards", "business_unit": units["RETAIL"].pk, "columns": COLUMNS}, format="json"
    )
    assert created.status_code == 201, created.content
    duplicate = client.post("/api/v1/datasets/", {"name": "cards"}, format="json")
    assert duplicate.status_code == 409 and "already registered" in duplicate.json()["detail"]
    schema = client.post(f"/api/v1/datasets/{created.json()['id']}/schemas/", {"columns": COLUMNS[:1]}, format="json")
    assert schema.status_code == 201 and schema.json()[0]["breaking"] is True
    version = _version(ds, model)
    link = client.post(
        f"/api/v1/model-versions/{version.pk}/datasets/",
        {"dataset": created.json()["id"], "role": "training"},
        format="json",
    )
    assert link.status_code == 201 and link.json()["schema_version"] is not None
    lineage = client.get(f"/api/v1/datasets/{created.json()['id']}/lineage/").json()
    assert [row["version"] for row in lineage] == [version.pk]
    imported = client.post(
        "/api/v1/datasets/import/", {"format": "csv", "content": "name,mode\nx,sideways\n"}, format="json"
    )
    assert imported.status_code == 400 and "mode" in imported.json()["errors"][0]

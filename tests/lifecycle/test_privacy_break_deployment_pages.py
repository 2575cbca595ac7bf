"""Pages for what the API alone could do: approving a dataset's privacy treatment on its page, acknowledging an
input-signature break on the version page, and deployment records that follow the version into (and out of)
production."""

import pytest

from audit.models import AuditEvent
from core.seeding import seeding_bypass
from lifecycle import datasets, selectors, services
from lifecycle.choices import Stage
from lifecycle.models import Deployment, ModelVersion, PrivacyTreatment
from portfolio import services as portfolio
from tests.governance.helpers import approved_version

INPUTS = '[{"name": "amount", "type": "double"}]'


@pytest.fixture
def world(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],), first_name="Dana", last_name="Silva")
    rb = make_user("rb", "review_board", units=(units["RETAIL"],), first_name="Rui", last_name="Barros")
    use_case = portfolio.use_case_create(actor=pm, title="Card fraud", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud-scorer", use_case=use_case)
    return ds, rb, model


# --- Privacy treatment --------------------------------------------------------------------------------


@pytest.fixture
def personal(world, units):
    ds, rb, model = world
    dataset = datasets.dataset_register(
        actor=ds,
        name="retail.cardholders",
        business_unit=units["RETAIL"],
        sensitivity="restricted_personal",
        steward=ds,
    )
    version = services.model_version_register(actor=ds, model=model, version="1", signature={"inputs": INPUTS})
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    datasets.version_dataset_link(actor=ds, version=version, dataset=dataset, role="training", revision="dvc:1")
    return dataset, version


def test_the_checklist_links_untreated_personal_data_to_its_privacy_form(world, personal):
    ds, rb, model = world
    dataset, version = personal
    row = next(i for i in selectors.gate_checklist(version, ds).items if i.gate == "datasets recorded")
    assert row.state == "failed" and "without an approved privacy treatment" in row.detail
    assert row.fix_url == f"/lifecycle/datasets/{dataset.pk}/#privacy"


def test_a_privacy_approver_records_the_treatment_on_the_dataset_page(world, personal, client):
    ds, rb, model = world
    dataset, version = personal
    client.force_login(rb)
    page = client.get(f"/lifecycle/datasets/{dataset.pk}/").content.decode()
    assert 'data-testid="privacy-form"' in page and "Epsilon" in page
    url = f"/lifecycle/datasets/{dataset.pk}/"
    missing = client.post(url, {"method": "differential_privacy", "technique": "Laplace noise on amounts"})
    assert missing.status_code == 400 and "differential privacy needs its epsilon" in missing.content.decode()
    bad_delta = client.post(
        url, {"method": "differential_privacy", "technique": "Laplace", "dp_epsilon": "1", "dp_delta": "1.5"}
    )
    assert bad_delta.status_code == 400 and "delta is a probability" in bad_delta.content.decode()
    assert not PrivacyTreatment.objects.exists()
    done = client.post(
        url,
        {"method": "differential_privacy", "technique": "Laplace noise on amounts", "dp_epsilon": "0.5"},
        follow=True,
    )
    body = done.content.decode()
    assert "Differential privacy of retail.cardholders approved" in body and "approved by Rui Barros" in body
    treatment = PrivacyTreatment.objects.get(dataset=dataset)
    assert (treatment.approved_by, treatment.dp_epsilon) == (rb, 0.5)
    event = AuditEvent.objects.filter(action="dataset.privacy_treatment_approved").latest("seq")
    assert event.actor == rb and event.changes["dp_epsilon"] == [None, 0.5]
    row = next(i for i in selectors.gate_checklist(version, ds).items if i.gate == "datasets recorded")
    assert row.state == "passed"


def test_the_steward_and_a_data_scientist_are_told_who_approves(world, personal, client, units, make_user):
    ds, rb, model = world
    dataset, version = personal
    client.force_login(ds)
    page = client.get(f"/lifecycle/datasets/{dataset.pk}/").content.decode()
    assert 'data-testid="privacy-form"' not in page and "You steward this dataset" in page
    forged = client.post(f"/lifecycle/datasets/{dataset.pk}/", {"method": "anonymisation", "technique": "k=10"})
    assert forged.status_code == 400 and "Only a privacy approver (a review board member)" in forged.content.decode()
    other = make_user("ds2", "data_scientist", units=(units["RETAIL"],))
    client.force_login(other)
    page = client.get(f"/lifecycle/datasets/{dataset.pk}/").content.decode()
    assert "A privacy approver (a review board member) who does not steward" in page
    assert not PrivacyTreatment.objects.exists()


def test_the_privacy_treatment_is_refused_through_the_api_alike(world, personal, api):
    ds, rb, model = world
    dataset, version = personal
    refused = api(ds).post(
        f"/api/v1/datasets/{dataset.pk}/privacy-treatment/",
        {"method": "anonymisation", "technique": "k=10"},
        format="json",
    )
    assert refused.status_code == 403 and "privacy approver" in refused.json()["detail"]
    bad = api(rb).post(
        f"/api/v1/datasets/{dataset.pk}/privacy-treatment/",
        {"method": "differential_privacy", "technique": "noise", "dp_epsilon": -1},
        format="json",
    )
    assert bad.status_code == 400 and "dp_epsilon" in bad.json()["detail"]
    assert not PrivacyTreatment.objects.exists()


# --- Signature break ----------------------------------------------------------------------------------


@pytest.fixture
def breaking(world):
    ds, rb, model = world
    production = services.model_version_register(actor=ds, model=model, version="1", signature={"inputs": INPUTS})
    with seeding_bypass():
        ModelVersion.objects.filter(pk=production.pk).update(stage=Stage.PRODUCTION)
    candidate = services.model_version_register(
        actor=ds, model=model, version="2", signature={"inputs": '[{"name": "amount", "type": "string"}]'}
    )
    services.model_version_transition(actor=ds, version=candidate, to_stage=Stage.IN_VALIDATION)
    return candidate


def test_an_owner_acknowledges_a_signature_break_on_the_version_page(world, breaking, client):
    ds, rb, model = world
    row = next(i for i in selectors.gate_checklist(breaking, ds).items if i.gate == "input signature compatible")
    assert row.state == "failed" and row.fix_url == f"/lifecycle/versions/{breaking.pk}/#signature-break"
    client.force_login(ds)
    page = client.get(f"/lifecycle/versions/{breaking.pk}/").content.decode()
    assert 'id="signature-break"' in page and "Input amount changed from double to string" in page
    empty = client.post(f"/lifecycle/versions/{breaking.pk}/", {"reason": "  "})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    assert ModelVersion.objects.get(pk=breaking.pk).signature_break_reason == ""
    done = client.post(
        f"/lifecycle/versions/{breaking.pk}/", {"reason": "The authoriser sends amount as text since v7."}, follow=True
    )
    assert "Break acknowledged" in done.content.decode()
    assert 'data-testid="break-acknowledged"' in done.content.decode()
    assert ModelVersion.objects.get(pk=breaking.pk).signature_break_reason.startswith("The authoriser")
    assert AuditEvent.objects.filter(action="model_version.signature_break_acknowledged", actor=ds).exists()
    row = next(i for i in selectors.gate_checklist(breaking, ds).items if i.gate == "input signature compatible")
    assert row.state == "passed"


def test_someone_who_may_not_change_the_model_is_told_to_ask_an_owner(world, breaking, client, api):
    ds, rb, model = world
    client.force_login(rb)
    page = client.get(f"/lifecycle/versions/{breaking.pk}/").content.decode()
    assert 'data-testid="break-form"' not in page and "ask an owner" in page
    forged = client.post(f"/lifecycle/versions/{breaking.pk}/", {"reason": "Looks fine to me."})
    assert forged.status_code == 400 and "ask an owner" in forged.content.decode()
    by_api = api(rb).post(
        f"/api/v1/model-versions/{breaking.pk}/acknowledge-break/", {"reason": "Looks fine."}, format="json"
    )
    assert by_api.status_code in (403, 404)
    assert ModelVersion.objects.get(pk=breaking.pk).signature_break_reason == ""


# --- Deployment status follows the stage ----------------------------------------------------------------


def test_promotion_on_the_page_puts_the_deployment_live_and_a_rollback_swaps_them(world, client):
    ds, rb, model = world
    first = approved_version(model, 1, actor=ds)
    services.deployment_record(actor=ds, version=first, environment="production", target_platform="EKS")
    client.force_login(ds)
    response = client.post(
        f"/lifecycle/versions/{first.pk}/transition/", {"to": "production", "reason": "Go", "back": "version"}
    )
    assert response.status_code == 302
    page = client.get(f"/lifecycle/versions/{first.pk}/").content.decode()
    assert "Active" in page and "Planned" not in page
    live = Deployment.objects.get(version=first)
    assert live.status == "active" and live.started_at is not None
    event = AuditEvent.objects.filter(action="deployment.status_changed").latest("seq")
    assert event.changes["status"] == ["planned", "active"]

    second = approved_version(model, 2, actor=ds)
    services.deployment_record(actor=ds, version=second, environment="production", target_platform="EKS")
    services.model_version_transition(actor=ds, version=second, to_stage=Stage.PRODUCTION)
    first_deployment = Deployment.objects.get(version=first)
    assert first_deployment.status == "ended" and first_deployment.ended_at is not None
    assert Deployment.objects.get(version=second).status == "active"

    services.model_rollback(actor=ds, model=model, reason="Latency doubled")
    assert Deployment.objects.get(version=second).status == "ended"
    restored = Deployment.objects.get(version=first)
    assert restored.status == "active" and restored.ended_at is None


def test_a_newer_plan_supersedes_an_older_one_when_the_version_goes_live(world):
    ds, rb, model = world
    version = approved_version(model, 1, actor=ds)
    old = services.deployment_record(actor=ds, version=version, environment="production", target_platform="EKS")
    new = services.deployment_record(actor=ds, version=version, environment="production", target_platform="GKE")
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION)
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("ended", "active")

"""Promotion gates that compare with production (input signature, primary metric), model settings,
and ownership handover."""

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict
from core.seeding import seeding_bypass
from lifecycle import services
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from notifications.models import Notification
from portfolio import services as portfolio
from tests.governance.helpers import approve_assessment, approve_version, walk_to_approved
from tests.lifecycle.helpers import record_training_data

INPUTS = '[{"name": "amount", "type": "double"}, {"name": "mcc", "type": "long"}]'


@pytest.fixture
def ds(units, make_user):
    return make_user("ds", "data_scientist", units=(units["RETAIL"],))


@pytest.fixture
def model(ds, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud scoring", business_unit=units["RETAIL"])
    model = services.model_register(
        actor=ds, name="fraud-scorer", use_case=use_case, primary_metric="auc", metric_tolerance=0.01
    )
    production = services.model_version_register(
        actor=ds, model=model, version="1", signature={"inputs": INPUTS}, metrics={"auc": 0.90}
    )
    with seeding_bypass():
        ModelVersion.objects.filter(pk=production.pk).update(stage=Stage.PRODUCTION)
    return model


def _candidate(ds, model, *, inputs=INPUTS, auc=0.90, approve=True):
    """A candidate through the real path: validation, training data, a complete review, a deployment."""
    version = services.model_version_register(
        actor=ds,
        model=model,
        version=str(model.versions.count() + 1),
        signature={"inputs": inputs},
        metrics={"auc": auc},
    )
    if approve:
        walk_to_approved(version, actor=ds)
        services.deployment_record(actor=ds, version=version, environment="production")
    return ModelVersion.objects.get(pk=version.pk)


def test_a_candidate_worse_than_production_beyond_the_tolerance_is_refused(ds, model):
    worse = _candidate(ds, model, auc=0.885)
    with pytest.raises(Conflict, match=r"auc 0.885 is worse than v1's 0.9 by 0.015, more than the tolerance of 0.01"):
        services.model_version_transition(actor=ds, version=worse, to_stage=Stage.PRODUCTION)
    within = _candidate(ds, model, auc=0.8905)
    services.model_version_transition(actor=ds, version=within, to_stage=Stage.PRODUCTION)
    assert ModelVersion.objects.get(pk=within.pk).stage == Stage.PRODUCTION


def test_lower_is_better_metrics_compare_the_other_way(ds, model):
    services.model_update(actor=ds, model=model, primary_metric="log_loss", higher_is_better=False, metric_tolerance=0)
    ModelVersion.objects.filter(model=model).update(metrics={"log_loss": 0.30})
    worse = _candidate(ds, model)
    ModelVersion.objects.filter(pk=worse.pk).update(metrics={"log_loss": 0.31})
    with pytest.raises(Conflict, match="log_loss 0.31 is worse"):
        services.model_version_transition(actor=ds, version=worse, to_stage=Stage.PRODUCTION)


def test_an_incompatible_input_signature_needs_an_acknowledged_reason(ds, model, units, make_user):
    app = make_user("app-owner", units=(units["RETAIL"],))
    from lifecycle.decommissioning import consumer_register

    consumer_register(actor=ds, model=model, system="Card authoriser", contact=app)
    breaking = _candidate(
        ds, model, inputs='[{"name": "amount", "type": "string"}, {"name": "country", "type": "str"}]', approve=False
    )
    services.model_version_transition(actor=ds, version=breaking, to_stage=Stage.IN_VALIDATION)
    record_training_data(breaking, actor=ds)
    approve_assessment(model.use_case)
    with pytest.raises(Conflict) as refused:
        services.model_version_transition(actor=ds, version=breaking, to_stage=Stage.PENDING_APPROVAL)
    assert "input country is new and callers do not send it; input amount changed from double to string" in str(
        refused.value
    )
    with pytest.raises(ApplicationError, match="reason"):
        services.model_version_acknowledge_break(actor=ds, version=breaking, reason="")
    services.model_version_acknowledge_break(actor=ds, version=breaking, reason="Authoriser v7 sends country.")
    assert Notification.objects.filter(recipient=app, category="signature").exists()
    services.model_version_transition(actor=ds, version=breaking, to_stage=Stage.PENDING_APPROVAL)
    approve_version(breaking)
    services.deployment_record(actor=ds, version=breaking, environment="production")
    services.model_version_transition(actor=ds, version=breaking, to_stage=Stage.PRODUCTION)
    compatible = _candidate(ds, model, inputs='[{"name": "amount", "type": "string"}]', approve=False)
    with pytest.raises(Conflict, match="nothing to acknowledge"):
        services.model_version_acknowledge_break(actor=ds, version=compatible, reason="just in case")


def test_owners_change_only_through_a_finished_handover(ds, model, units, make_user, api):
    successor = make_user("ds-new", "data_scientist", units=(units["RETAIL"],))
    outsider = make_user("corp", "data_scientist", units=(units["CORP"],))
    checklist = dict.fromkeys(services.HANDOVER_CHECKLIST, True)
    with pytest.raises(ApplicationError, match="checklist: not finished"):
        services.model_ownership_handover(
            actor=ds, model=model, new_owners=[successor], checklist={**checklist, "access_granted": False}, reason="x"
        )
    with pytest.raises(ApplicationError, match="corp cannot change models"):
        services.model_ownership_handover(actor=ds, model=model, new_owners=[outsider], checklist=checklist, reason="x")
    patched = api(ds).patch(f"/api/v1/models/{model.pk}/", {"owners": [outsider.pk]}, format="json")
    assert patched.status_code == 400 and "handover" in patched.json()["detail"]
    response = api(ds).post(
        f"/api/v1/models/{model.pk}/handover/",
        {"owners": [successor.pk], "checklist": checklist, "reason": "Team reorganisation."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["owners"] == [successor.pk]
    event = AuditEvent.objects.get(action="model.ownership_handed_over")
    assert event.changes["owners"] == [["ds"], ["ds-new"]] and event.reason == "Team reorganisation."
    assert Notification.objects.filter(recipient=successor, category="ownership").exists()


def test_model_settings_change_through_the_api_and_protected_fields_do_not(ds, model, api):
    client = api(ds)
    ok = client.patch(f"/api/v1/models/{model.pk}/", {"metric_tolerance": 0.02, "description": "v2"}, format="json")
    assert ok.status_code == 200 and ok.json()["metric_tolerance"] == 0.02
    negative = client.patch(f"/api/v1/models/{model.pk}/", {"metric_tolerance": -1}, format="json")
    assert negative.status_code == 400 and "cannot be negative" in negative.json()["detail"]
    for field, value in (("name", "renamed"), ("confidential", True), ("use_case", model.use_case_id)):
        refused = client.patch(f"/api/v1/models/{model.pk}/", {field: value}, format="json")
        assert refused.status_code == 400, field
    model.refresh_from_db()
    assert model.name == "fraud-scorer" and not model.confidential
    assert client.put(f"/api/v1/models/{model.pk}/", {"name": "x"}, format="json").status_code == 405


def test_the_handover_page_refuses_an_unfinished_checklist_in_words(ds, model, units, make_user, client):
    successor = make_user("ds-new", "data_scientist", units=(units["RETAIL"],))
    client.force_login(ds)
    url = f"/lifecycle/models/{model.pk}/handover/"
    page = client.post(url, {"owners": [successor.pk], "reason": "Leaving", "documentation_reviewed": "on"})
    assert "checklist: not finished" in page.content.decode() and list(model.owners.all()) == [ds]
    done = client.post(
        url, {"owners": [successor.pk], "reason": "Leaving", **dict.fromkeys(services.HANDOVER_CHECKLIST, "on")}
    )
    assert done.status_code == 302 and list(model.owners.all()) == [successor]

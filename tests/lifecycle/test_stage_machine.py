"""The stage machine: every edge, the gates, independent approval, and no other way to change a stage."""

from datetime import date

import pytest

from audit.models import AuditEvent
from core.exceptions import Conflict, NotAllowed
from core.seeding import seeding_bypass
from lifecycle import datasets, gates, services
from lifecycle.choices import EMERGENCY_EDGES, NEXT_STAGES, Stage
from lifecycle.models import DecommissionPlan, ModelVersion, StageTransition
from portfolio import services as portfolio
from tests.governance.helpers import approve_assessment, complete_review, walk_to_approved

ALL_EDGES = [(a, b) for a in Stage.values for b in Stage.values if a != b]
SIGNATURE = {"inputs": "[{'name': 'amount', 'type': 'double'}]", "outputs": "[{'type': 'long'}]"}


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


@pytest.fixture
def version(ds, model):
    version = services.model_version_register(
        actor=ds, model=model, version="1", signature=SIGNATURE, metrics={"auc": 0.91}
    )
    training = datasets.dataset_register(actor=ds, name="card-transactions", source_system="warehouse")
    datasets.version_dataset_link(actor=ds, version=version, dataset=training, role="training")
    return version


def _finished_decommission_plan(version, actor):
    """Fixture data: a plan already announced, past its sunset, with its checklist done (its own tests
    walk the services; here only the edge is under test)."""
    DecommissionPlan.objects.create(
        model=version.model,
        reason="no_longer_needed",
        sunset_date=date(2020, 1, 1),
        notice_days=30,
        created_by=actor,
        status="announced",
        archive_location="s3://a",
        archive_checksum="0" * 64,
        predictions_location="s3://p",
        resources_reclaimed=True,
        monthly_cost_saved=0,
        documentation_updated=True,
        postmortem="done",
        lessons_learned="none",
    )


def _force(version, stage):
    with seeding_bypass():
        ModelVersion.objects.filter(pk=version.pk).update(stage=stage)
    version.refresh_from_db()


@pytest.mark.parametrize(("src", "dst"), ALL_EDGES)
def test_every_edge_is_allowed_exactly_when_the_machine_says(version, ds, reviewer, src, dst):
    _force(version, src)
    if dst == Stage.PRODUCTION:
        services.deployment_record(actor=ds, version=version, environment="production")
    if dst == Stage.RETIRED:
        _finished_decommission_plan(version, ds)
    actor = reviewer if dst == Stage.APPROVED or (dst == Stage.REJECTED and src == Stage.PENDING_APPROVAL) else ds
    if (src, dst) in EMERGENCY_EDGES:
        # Past the review: only an approved emergency release opens it (tests/governance/test_emergency.py).
        approve_assessment(version.model.use_case)
        with pytest.raises(Conflict, match="emergency release approved by two holders"):
            services.model_version_transition(actor=actor, version=version, to_stage=dst, reason="step")
        version.refresh_from_db()
        assert version.stage == src and not StageTransition.objects.exists()
    elif dst in NEXT_STAGES[src]:
        if dst in (Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.PRODUCTION):
            approve_assessment(version.model.use_case)  # governance's gates: assessed, and reviewed
        if dst in (Stage.APPROVED, Stage.PRODUCTION):
            complete_review(version)
        services.model_version_transition(actor=actor, version=version, to_stage=dst, reason="step")
        version.refresh_from_db()
        assert version.stage == dst
        assert StageTransition.objects.filter(version=version, from_stage=src, to_stage=dst).exists()
    else:
        with pytest.raises(Conflict, match="cannot move to"):
            services.model_version_transition(actor=actor, version=version, to_stage=dst, reason="step")
        version.refresh_from_db()
        assert version.stage == src and not StageTransition.objects.exists()


def test_a_failed_gate_refuses_with_its_reason(ds, model):
    bare = services.model_version_register(actor=ds, model=model, version="2")
    _force(bare, Stage.IN_VALIDATION)
    with pytest.raises(Conflict) as refused:
        services.model_version_transition(actor=ds, version=bare, to_stage=Stage.PENDING_APPROVAL)
    assert "no input signature" in refused.value.message
    assert refused.value.details["failed_gates"][0]["gate"] == "input signature recorded"
    bare.refresh_from_db()
    assert bare.stage == Stage.IN_VALIDATION


def test_gates_registered_by_other_apps_run_too(version, ds):
    def no_friday(v):
        return "No releases on Fridays." if v.version == "1" else None

    gates.register(Stage.IN_VALIDATION, no_friday)
    try:
        with pytest.raises(Conflict, match="Fridays"):
            services.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    finally:
        gates._registry[Stage.IN_VALIDATION].remove(("no_friday", no_friday))


def test_the_submitter_and_owners_cannot_approve(version, ds, reviewer, model):
    _force(version, Stage.PENDING_APPROVAL)
    with pytest.raises(NotAllowed, match="review board"):
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.APPROVED)
    model.owners.add(reviewer)
    with pytest.raises(NotAllowed, match="independent reviewer"):
        services.model_version_transition(actor=reviewer, version=version, to_stage=Stage.APPROVED)


def test_promotion_deprecates_the_previous_production_version(version, ds, model):
    _force(version, Stage.PRODUCTION)
    second = services.model_version_register(actor=ds, model=model, version="2", signature=SIGNATURE)
    walk_to_approved(second, actor=ds)
    services.deployment_record(actor=ds, version=second, environment="production")
    services.model_version_transition(actor=ds, version=second, to_stage=Stage.PRODUCTION, reason="better AUC")
    version.refresh_from_db()
    assert version.stage == Stage.DEPRECATED
    assert AuditEvent.objects.filter(action="model_version.transitioned", target_id=str(version.pk)).exists()


def test_duplicate_registration_is_a_conflict(version, ds, model):
    with pytest.raises(Conflict, match="already registered"):
        services.model_version_register(actor=ds, model=model, version="1")


def test_versions_have_a_content_digest(version):
    version.refresh_from_db()  # linking its training data (the fixture) changed the stored digest
    assert len(version.digest) == 64
    assert version.digest == services.version_digest(version)


def test_the_api_moves_stages_only_through_transition(version, ds, api):
    client = api(ds)
    url = f"/api/v1/model-versions/{version.pk}/"
    assert client.patch(url, {"stage": "production"}, format="json").status_code == 405
    response = client.post(f"{url}transition/", {"to": "production"}, format="json")
    assert response.status_code == 409 and "It can move to" in response.json()["detail"]
    ok = client.post(f"{url}transition/", {"to": "in_validation", "reason": "start"}, format="json")
    assert ok.status_code == 200 and ok.json()["stage"] == "in_validation"
    assert client.get(f"{url}transitions/").json()[0]["to_stage"] == "in_validation"


def test_the_api_refuses_a_failed_gate_with_the_gate_named(ds, model, api):
    bare = services.model_version_register(actor=ds, model=model, version="9")
    _force(bare, Stage.IN_VALIDATION)
    response = api(ds).post(f"/api/v1/model-versions/{bare.pk}/transition/", {"to": "pending_approval"}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"]["failed_gates"][0]["passed"] is False


def test_confidential_models_of_other_units_are_hidden(ds, units, make_user, api):
    pm = make_user("corp_pm", "program_manager", units=(units["CORP"],))
    corp_ds = make_user("corp_ds", "data_scientist", units=(units["CORP"],))
    secret = portfolio.use_case_create(actor=pm, title="Secret", business_unit=units["CORP"], confidential=True)
    hidden = services.model_register(actor=corp_ds, name="secret-model", use_case=secret)
    assert hidden.confidential
    names = [m["name"] for m in api(ds).get("/api/v1/models/").json()["results"]]
    assert "secret-model" not in names
    assert api(ds).get(f"/api/v1/models/{hidden.pk}/").status_code == 404


def test_listeners_hear_each_entry_and_can_refuse_it(version, ds):
    heard = []

    def listener(*, version, actor, from_stage, reason):
        heard.append((version.stage, from_stage, actor.username))
        if reason == "refuse":
            raise Conflict("A listener refused.")

    gates.on_enter(Stage.IN_VALIDATION, listener)
    try:
        with pytest.raises(Conflict, match="listener refused"):
            services.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION, reason="refuse")
        version.refresh_from_db()
        assert version.stage == Stage.REGISTERED and not StageTransition.objects.exists()
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION, reason="go")
    finally:
        gates._listeners[Stage.IN_VALIDATION].remove(listener)
    assert heard[-1] == (Stage.IN_VALIDATION, Stage.REGISTERED, "ds")

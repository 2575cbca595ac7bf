"""Production needs a deployment record and respects freeze windows; rollback is one step."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import services
from lifecycle.choices import Stage
from lifecycle.models import Incident, ModelVersion
from portfolio import services as portfolio
from tests.governance.helpers import approved_version

SIGNATURE = {"inputs": "[amount]"}


@pytest.fixture
def world(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud", use_case=use_case)
    return ds, model


def _approved(ds, model, number):
    """Approved through a complete governance review: production checks the approval."""
    return approved_version(model, number, actor=ds, signature=SIGNATURE)


def test_production_needs_a_deployment_record(world):
    ds, model = world
    version = _approved(ds, model, 1)
    with pytest.raises(Conflict, match="No production deployment"):
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION)
    services.deployment_record(
        actor=ds,
        version=version,
        environment="production",
        strategy="canary",
        traffic_percent=10,
        endpoint="https://ml/fraud",
    )
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION)
    assert ModelVersion.objects.get(pk=version.pk).stage == Stage.PRODUCTION


def test_a_canary_needs_its_share_of_traffic(world):
    ds, model = world
    version = _approved(ds, model, 1)
    for bad in (None, 0, 100):
        with pytest.raises(ApplicationError, match="traffic_percent|canary"):
            services.deployment_record(
                actor=ds, version=version, environment="production", strategy="canary", traffic_percent=bad
            )
    assert not version.deployments.exists()


def test_a_freeze_window_blocks_production_unless_a_second_person_approves(world, make_user, units):
    from governance.services import freeze_exemptions as exemptions

    ds, model = world
    admin = make_user("root", "platform_admin")
    reviewer = make_user("rb", "review_board", units=(units["RETAIL"],))
    now = timezone.now()
    with pytest.raises(ApplicationError, match="end after it starts"):
        services.freeze_window_create(actor=admin, name="Backwards", start=now, end=now - timedelta(hours=1))
    window = services.freeze_window_create(
        actor=admin, name="Year-end freeze", start=now - timedelta(hours=1), end=now + timedelta(days=3)
    )
    version = _approved(ds, model, 1)
    services.deployment_record(actor=ds, version=version, environment="production")
    with pytest.raises(Conflict, match="frozen until.*request an exemption"):
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION)
    exemption = exemptions.freeze_exemption_request(
        actor=ds, version=version, reason="Fraud ring active; the fix cannot wait three days."
    )
    assert exemption.valid_until == window.end and exemption.status == "requested"
    with pytest.raises(Conflict, match="waits for a review board member"):
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION)
    with pytest.raises(NotAllowed, match="review board"):
        exemptions.freeze_exemption_approve(actor=ds, exemption=exemption, password="correct-horse-battery")
    exemptions.freeze_exemption_approve(actor=reviewer, exemption=exemption, password="correct-horse-battery")
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION, reason="emergency")
    exemption.refresh_from_db()
    assert exemption.status == "used" and exemption.used_at is not None
    events = AuditEvent.objects.filter(target_type="lifecycle.emergencyapproval", target_id=str(exemption.pk))
    assert [e.action for e in events.order_by("seq")] == [
        "freeze_exemption.requested",
        "freeze_exemption.decision_refused",  # the requester's own attempt
        "freeze_exemption.approved",
        "freeze_exemption.used",
    ]


def test_rollback_restores_the_previous_version_and_opens_an_incident(world):
    ds, model = world
    first, second = _approved(ds, model, 1), _approved(ds, model, 2)
    for version in (first, second):
        services.deployment_record(actor=ds, version=version, environment="production")
        services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION)
    restored = services.model_rollback(actor=ds, model=model, reason="Precision collapsed after release")
    assert restored == first
    assert ModelVersion.objects.get(pk=first.pk).stage == Stage.PRODUCTION
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.SUSPENDED
    assert Incident.objects.get(model=model).kind == "rollback"
    with pytest.raises(ApplicationError, match="reason"):
        services.model_rollback(actor=ds, model=model, reason=" ")


def test_rollback_without_an_earlier_production_version_is_refused(world):
    ds, model = world
    only = _approved(ds, model, 1)
    services.deployment_record(actor=ds, version=only, environment="production")
    services.model_version_transition(actor=ds, version=only, to_stage=Stage.PRODUCTION)
    with pytest.raises(Conflict, match="no earlier production version"):
        services.model_rollback(actor=ds, model=model, reason="bad")
    assert ModelVersion.objects.get(pk=only.pk).stage == Stage.PRODUCTION


def test_deployments_freezes_and_rollback_through_the_api(world, make_user, api):
    ds, model = world
    first, second = _approved(ds, model, 1), _approved(ds, model, 2)
    client = api(ds)
    bad = client.post(
        "/api/v1/deployments/", {"version": first.pk, "environment": "production", "strategy": "canary"}, format="json"
    )
    assert bad.status_code == 400 and "traffic_percent" in bad.json()["detail"]
    for version in (first, second):
        created = client.post(
            "/api/v1/deployments/", {"version": version.pk, "environment": "production"}, format="json"
        )
        assert created.status_code == 201, created.json()
        assert (
            client.post(
                f"/api/v1/model-versions/{version.pk}/transition/", {"to": "production"}, format="json"
            ).status_code
            == 200
        )
    rolled = client.post(f"/api/v1/models/{model.pk}/rollback/", {"reason": "latency doubled"}, format="json")
    assert rolled.status_code == 200 and rolled.json()["version"] == "1"
    admin = make_user("root", "platform_admin")
    window = api(admin).post(
        "/api/v1/freeze-windows/",
        {"name": "Backwards", "start": "2027-01-02T00:00:00Z", "end": "2027-01-01T00:00:00Z"},
        format="json",
    )
    assert window.status_code == 400 and "end" in window.json()["detail"]
    assert (
        api(ds)
        .post(
            "/api/v1/freeze-windows/",
            {"name": "Mine", "start": "2027-01-01T00:00:00Z", "end": "2027-01-02T00:00:00Z"},
            format="json",
        )
        .status_code
        == 403
    )

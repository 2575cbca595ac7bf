"""Rollback meets production's gates (issue 20, finding 1): the version it restores is refused, with the gates
named, wherever the normal move would be (an expired approval, a freeze window, an alert that pulled it out of
production), and nothing changes: the current version stays in production, no incident opens, and the refusal
is audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from governance.models import Review
from lifecycle import services
from lifecycle.choices import Stage
from lifecycle.models import Incident, ModelVersion
from portfolio import services as portfolio
from tests.governance.helpers import approved_version

SIGNATURE = {"inputs": "[amount]"}


@pytest.fixture
def world(units, make_user):
    """v1 then v2 went to production the normal way; v1 is deprecated, v2 is in production."""
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud", use_case=use_case)
    first = approved_version(model, 1, actor=ds, signature=SIGNATURE)
    services.deployment_record(actor=ds, version=first, environment="production")
    services.model_version_transition(actor=ds, version=first, to_stage=Stage.PRODUCTION)
    second = approved_version(model, 2, actor=ds, signature=SIGNATURE)
    services.deployment_record(actor=ds, version=second, environment="production")
    services.model_version_transition(actor=ds, version=second, to_stage=Stage.PRODUCTION)
    return ds, model, first, second


def _stages(*versions):
    return tuple(ModelVersion.objects.get(pk=v.pk).stage for v in versions)


def _refused(api, ds, model, gate):
    """The API's rollback answers 409 naming `gate`, changes nothing and audits the refusal."""
    response = api(ds).post(f"/api/v1/models/{model.pk}/rollback/", {"reason": "latency doubled"}, format="json")
    assert response.status_code == 409, response.json()
    body = response.json()
    assert gate in {g["gate"] for g in body["errors"]["failed_gates"]}
    assert "Rollback of fraud refused, nothing changed" in body["detail"]
    assert not Incident.objects.filter(model=model).exists()
    refusal = AuditEvent.objects.get(action="model.rollback_refused", target_id=str(model.pk))
    assert gate in {g["gate"] for g in refusal.changes["failed_gates"][1]}
    return body


def test_an_expired_approval_refuses_the_rollback_as_it_refuses_the_move(world, api):
    ds, model, first, second = world
    review = Review.objects.get(version=first, status="approved")
    days = review.policy_snapshot["approval_validity_days"]
    Review.objects.filter(pk=review.pk).update(closed_at=timezone.now() - timedelta(days=days + 1))
    body = _refused(api, ds, model, "approval current")
    assert "expired" in body["detail"]
    assert _stages(first, second) == (Stage.DEPRECATED, Stage.PRODUCTION)


def test_a_freeze_window_refuses_the_rollback(world, api, make_user):
    ds, model, first, second = world
    admin = make_user("root", "platform_admin")
    now = timezone.now()
    services.freeze_window_create(
        actor=admin, name="Year end", start=now - timedelta(hours=1), end=now + timedelta(days=2)
    )
    _refused(api, ds, model, "outside a freeze window")
    assert _stages(first, second) == (Stage.DEPRECATED, Stage.PRODUCTION)


def test_a_version_suspended_for_cause_does_not_come_back_through_a_rollback(world, api):
    """v1 was pulled by a suspend rule's alert that is still open; v2 replaced it; rolling v2 back does not bring
    v1 back over its alert."""
    from monitoring.models import Alert
    from tests.monitoring.factories import series_of, store
    from tests.monitoring.test_actions import _rule

    ds, model, first, second = world
    services.model_version_transition(actor=ds, version=second, to_stage=Stage.SUSPENDED, reason="canary check")
    services.model_version_transition(actor=ds, version=first, to_stage=Stage.PRODUCTION, reason="back to v1")
    _rule(ds, first, "suspend", name="Null rate pulls the model")
    store(series_of(first, metric="null_rate"), [0.01, 0.4])
    alert = Alert.objects.get(model_version=first)
    services.model_version_transition(actor=ds, version=first, to_stage=Stage.SUSPENDED, reason=f"alert #{alert.pk}")
    services.model_version_transition(actor=ds, version=second, to_stage=Stage.PRODUCTION, reason="v2 again")
    assert services.rollback_target(ModelVersion.objects.get(pk=second.pk)) == first
    body = _refused(api, ds, model, "no open critical alert")
    assert f"#{alert.pk}" in body["detail"]
    assert _stages(first, second) == (Stage.SUSPENDED, Stage.PRODUCTION)


def test_the_alert_page_says_why_a_proposed_rollback_is_refused(world, client):
    from tests.monitoring.test_actions import _breach, _rule

    ds, model, first, second = world
    review = Review.objects.get(version=first, status="approved")
    days = review.policy_snapshot["approval_validity_days"]
    Review.objects.filter(pk=review.pk).update(closed_at=timezone.now() - timedelta(days=days + 1))
    _rule(ds, second, "propose_rollback")
    alert = _breach(second)
    client.force_login(ds)
    page = client.post(f"/monitoring/alerts/{alert.pk}/proposal/confirm/", {"note": "nulls"}, follow=True)
    text = page.content.decode()
    assert "Rollback of fraud refused, nothing changed" in text and "expired" in text
    assert _stages(first, second) == (Stage.DEPRECATED, Stage.PRODUCTION)
    alert.action_proposal.refresh_from_db()
    assert alert.action_proposal.status == "proposed"


def test_a_rollback_the_gates_allow_still_restores(world):
    ds, model, first, second = world
    assert services.model_rollback(actor=ds, model=model, reason="precision collapsed") == first
    assert _stages(first, second) == (Stage.PRODUCTION, Stage.SUSPENDED)
    move = first.transitions.order_by("-at", "-pk").first()
    assert {g["gate"] for g in move.gate_results} >= {"approval current", "outside a freeze window"}


def test_an_emergency_release_restores_what_the_rollback_may_not(world, api, client):
    """The approval of v2 expired, so rolling v3 back is refused; its owner asks for an emergency release of v2
    (the model page offers it for the version a rollback would restore, not for older ones), two holders of the
    emergency function approve with their passwords, and v2 returns with the expired approval waived."""
    from governance import services as governance
    from tests.governance.helpers import PASSWORD, person

    ds, model, first, second = world
    third = approved_version(model, 3, actor=ds, signature=SIGNATURE)
    services.deployment_record(actor=ds, version=third, environment="production")
    services.model_version_transition(actor=ds, version=third, to_stage=Stage.PRODUCTION)
    review = Review.objects.get(version=second, status="approved")
    days = review.policy_snapshot["approval_validity_days"]
    Review.objects.filter(pk=review.pk).update(closed_at=timezone.now() - timedelta(days=days + 1))
    _refused(api, ds, model, "approval current")
    client.force_login(ds)
    page = client.get(f"/lifecycle/models/{model.pk}/").content.decode()
    assert f"/governance/versions/{second.pk}/emergency-release/" in page
    assert f"/governance/versions/{first.pk}/emergency-release/" not in page
    release = governance.emergency_release_request(actor=ds, version=second, reason="v3 drops scores.")
    unit = model.use_case.business_unit
    for name in ("em-one", "em-two"):
        approver = person(name, "review_board", "emergency_approver", units=(unit,))
        governance.emergency_release_approve(actor=approver, release=release, password=PASSWORD)
    governance.emergency_release_deploy(actor=ds, release=release, password="correct-horse-battery")
    assert _stages(first, second, third) == (Stage.DEPRECATED, Stage.PRODUCTION, Stage.DEPRECATED)
    release.refresh_from_db()
    assert release.status == "released"

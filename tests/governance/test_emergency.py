"""Emergency releases: production without the full review only with two independent approvals of the emergency
function, for that version and its approved content, within the window; release raises the alert, records the
incident and opens a post-implementation review due five business days later."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from core.periods import add_business_days
from governance import services
from governance.models import EmergencyRelease, PostImplementationReview, Review
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import Incident, ModelVersion, StageTransition
from notifications.models import Notification
from tests.governance.conftest import submit
from tests.governance.helpers import PASSWORD, person

EMERGENCY_SUBJECT = "went to production without full approval"


def _deploy(ds, release):
    return services.emergency_release_deploy(actor=ds, release=release, password=PASSWORD)


# --- Business days --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 3, 6), 5, date(2026, 3, 13)),  # Friday -> next Friday
        (date(2026, 3, 2), 5, date(2026, 3, 9)),  # Monday -> next Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday -> Monday
        (date(2026, 3, 5), 2, date(2026, 3, 9)),  # Thursday -> Monday, over the weekend
        (date(2026, 3, 5), 0, date(2026, 3, 5)),
    ],
)
def test_business_days_skip_the_weekend(start, days, due):
    assert add_business_days(start, days) == due


# --- Request --------------------------------------------------------------------------------------------------


def test_only_an_owner_requests_with_a_reason(deployable, ds, units):
    colleague = person("ds-colleague", "data_scientist", units=(units["RETAIL"],))
    with pytest.raises(NotAllowed, match="Only an owner"):
        services.emergency_release_request(actor=colleague, version=deployable, reason="urgent")
    pm = person("pm-2", "program_manager", units=(units["RETAIL"],))
    with pytest.raises(NotAllowed):
        services.emergency_release_request(actor=pm, version=deployable, reason="urgent")
    with pytest.raises(ApplicationError, match="reason: say what breaks"):
        services.emergency_release_request(actor=ds, version=deployable, reason="  ")
    assert not EmergencyRelease.objects.exists()


def test_one_open_request_per_version_and_only_before_production(requested, ds, model):
    with pytest.raises(Conflict, match="already has an open emergency release"):
        services.emergency_release_request(actor=ds, version=requested.version, reason="again")
    fresh = lifecycle.model_version_register(actor=ds, model=model, version="9", signature={"inputs": "[a]"})
    with pytest.raises(Conflict, match="Move it into validation first"):
        services.emergency_release_request(actor=ds, version=fresh, reason="now")


def test_a_request_tells_the_emergency_function_and_is_audited(approvers, requested, ds):
    assert requested.status == "requested" and requested.policy_snapshot["approvals_needed"] == 2
    for approver in approvers:
        assert Notification.objects.filter(recipient=approver, subject__startswith="Emergency release requested")
    assert not Notification.objects.filter(recipient=ds, subject__startswith="Emergency release requested")
    assert AuditEvent.objects.filter(action="emergency_release.requested", target_id=str(requested.pk)).exists()


# --- Approvals ------------------------------------------------------------------------------------------------


def test_approval_needs_an_independent_holder_of_the_emergency_function(requested, approvers, ds, model, units):
    board = person("board-only", "review_board", units=(units["RETAIL"],))
    with pytest.raises(NotAllowed, match="Only holders of the emergency function"):
        services.emergency_release_approve(actor=board, release=requested, password=PASSWORD)
    ds.groups.add(*person("em-tmp", "emergency_approver").groups.all())
    ds = type(ds).objects.get(pk=ds.pk)
    with pytest.raises(NotAllowed, match="You requested this emergency release"):
        services.emergency_release_approve(actor=ds, release=requested, password=PASSWORD)
    owner = person("em-owner", "emergency_approver", units=(units["RETAIL"],))
    model.owners.add(owner)
    with pytest.raises(NotAllowed, match="independent of its owners"):
        services.emergency_release_approve(actor=owner, release=requested, password=PASSWORD)
    services.emergency_release_approve(actor=approvers[0], release=requested, password=PASSWORD)
    with pytest.raises(Conflict, match="You already approved"):
        services.emergency_release_approve(actor=approvers[0], release=requested, password=PASSWORD)
    requested.refresh_from_db()
    assert requested.status == "requested" and requested.first_approver == approvers[0]
    assert requested.second_approver is None


def test_the_database_refuses_an_approver_who_requested_or_approved_twice(requested, approvers, ds):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyRelease.objects.filter(pk=requested.pk).update(first_approver=ds)
    EmergencyRelease.objects.filter(pk=requested.pk).update(first_approver=approvers[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyRelease.objects.filter(pk=requested.pk).update(second_approver=approvers[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyRelease.objects.filter(pk=requested.pk).update(status="approved")


def test_a_refusal_needs_a_reason_and_closes_the_request(requested, approvers, ds):
    with pytest.raises(ApplicationError, match="reason"):
        services.emergency_release_refuse(actor=approvers[0], release=requested, reason="", password=PASSWORD)
    services.emergency_release_refuse(
        actor=approvers[0], release=requested, reason="Not an emergency: wait.", password=PASSWORD
    )
    requested.refresh_from_db()
    assert requested.status == "refused" and requested.closing_reason == "Not an emergency: wait."
    with pytest.raises(Conflict, match="refused"):
        services.emergency_release_approve(actor=approvers[1], release=requested, password=PASSWORD)
    assert Notification.objects.filter(recipient=ds, subject__contains="refused").exists()


# --- Production -----------------------------------------------------------------------------------------------


def test_one_approval_is_not_enough_for_production(requested, approvers, ds):
    services.emergency_release_approve(actor=approvers[0], release=requested, password=PASSWORD)
    with pytest.raises(Conflict) as refused:
        _deploy(ds, requested)
    failed = {g["gate"]: g["detail"] for g in refused.value.details["failed_gates"]}
    assert "1 of 2 approvals" in failed["emergency release valid"]
    assert "never approved" in failed["approved before production"]
    assert "approval current" in failed
    assert ModelVersion.objects.get(pk=requested.version_id).stage == Stage.PENDING_APPROVAL


def test_without_a_release_the_emergency_edge_is_refused_in_words(deployable, ds):
    with pytest.raises(Conflict) as refused:
        lifecycle.model_version_transition(actor=ds, version=deployable, to_stage=Stage.PRODUCTION)
    assert "emergency release approved by two holders of the emergency function" in refused.value.message
    assert "approved before production" in {g["gate"] for g in refused.value.details["failed_gates"]}


def test_two_approvals_take_the_version_to_production_with_the_gates_waived(approved, approvers, ds, units):
    risk = person("risk-officer", "sign_off_risk", units=(units["RETAIL"],))
    compliance = person("compliance-officer", "sign_off_compliance", units=(units["RETAIL"],))
    validator = person("validator-1", "review_board", "sign_off_validation", units=(units["RETAIL"],))
    assert approved.status == "approved" and approved.valid_until > approved.approved_at
    released = _deploy(ds, approved)
    version = ModelVersion.objects.get(pk=approved.version_id)
    assert version.stage == Stage.PRODUCTION and released.status == "released"
    results = {g["gate"]: g for g in StageTransition.objects.get(version=version, to_stage="production").gate_results}
    for gate in ("approval current", "approved before production"):
        assert results[gate]["passed"] and results[gate]["detail"].startswith(
            f"Waived by emergency release #{approved.pk}:"
        )
    assert results["production deployment recorded"] == {
        "gate": "production deployment recorded",
        "passed": True,
        "detail": "",
    }
    # The alert: owners, the emergency function, risk and compliance.
    for user in (ds, *approvers, risk, compliance):
        assert Notification.objects.filter(recipient=user, subject__contains=EMERGENCY_SUBJECT).count() == 1
    incident = Incident.objects.get(model=version.model, kind="emergency_release")
    assert f"#{approved.pk}" in incident.description
    assert AuditEvent.objects.filter(action="emergency_release.released", target_id=str(approved.pk)).exists()
    pir = PostImplementationReview.objects.get(release=approved)
    assert pir.status == "open" and Notification.objects.filter(recipient=validator, url__endswith=f"/{pir.pk}/")


def test_a_release_of_version_a_does_not_help_version_b(approved, ds, model):
    other = submit(ds, model, number="2")
    lifecycle.deployment_record(actor=ds, version=other, environment="production")
    with pytest.raises(Conflict, match="never approved"):
        lifecycle.model_version_transition(actor=ds, version=other, to_stage=Stage.PRODUCTION)


def test_content_changed_after_approval_is_refused(approved, ds):
    ModelVersion.objects.filter(pk=approved.version_id).update(metrics={"auc": 0.99, "recall": 0.85})
    with pytest.raises(Conflict, match="approved for other content"):
        _deploy(ds, approved)
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_content_changed_before_the_second_approval_is_refused(requested, approvers):
    services.emergency_release_approve(actor=approvers[0], release=requested, password=PASSWORD)
    ModelVersion.objects.filter(pk=requested.version_id).update(params={"depth": 9})
    with pytest.raises(Conflict, match="changed since the emergency release was requested"):
        services.emergency_release_approve(actor=approvers[1], release=requested, password=PASSWORD)


def test_an_expired_release_is_refused(approved, ds):
    with time_machine.travel(approved.valid_until + timedelta(minutes=1)):
        with pytest.raises(Conflict, match=r"expired at"):
            _deploy(ds, approved)
    assert ModelVersion.objects.get(pk=approved.version_id).stage == Stage.PENDING_APPROVAL


def test_a_lapsed_release_expires_and_a_new_one_can_be_requested(approved, ds):
    with time_machine.travel(approved.valid_until + timedelta(hours=1)):
        again = services.emergency_release_request(actor=ds, version=approved.version, reason="Still urgent.")
    approved.refresh_from_db()
    assert approved.status == "expired" and again.status == "requested"


def test_a_normally_approved_version_does_not_use_the_release(ds, model, approvers):
    from tests.governance.helpers import approved_version

    version = approved_version(model, 5, actor=ds)
    lifecycle.deployment_record(actor=ds, version=version, environment="production")
    release = services.emergency_release_request(actor=ds, version=version, reason="Approval may expire.")
    services.emergency_release_approve(actor=approvers[0], release=release, password=PASSWORD)
    services.emergency_release_approve(actor=approvers[1], release=release, password=PASSWORD)
    _deploy(ds, release)
    release.refresh_from_db()
    assert release.status == "approved" and not PostImplementationReview.objects.exists()


# --- Post-implementation review -------------------------------------------------------------------------------


def test_the_review_falls_due_five_business_days_later(requested, approvers, ds):
    with time_machine.travel(datetime(2026, 3, 6, 10, tzinfo=UTC)):  # a Friday
        services.emergency_release_approve(actor=approvers[0], release=requested, password=PASSWORD)
        services.emergency_release_approve(actor=approvers[1], release=requested, password=PASSWORD)
        _deploy(ds, requested)
    assert PostImplementationReview.objects.get(release=requested).due_on == date(2026, 3, 13)


def test_completing_needs_an_independent_validator_an_outcome_and_findings(approved, ds, units, model):
    _deploy(ds, approved)
    pir = PostImplementationReview.objects.get(release=approved)
    validator = person("validator-2", "review_board", "sign_off_validation", units=(units["RETAIL"],))
    board = person("board-2", "review_board", units=(units["RETAIL"],))
    with pytest.raises(NotAllowed, match="validation function"):
        services.post_implementation_review_complete(actor=board, pir=pir, outcome="confirmed", findings="ok")
    owner_validator = person("owner-validator", "sign_off_validation", units=(units["RETAIL"],))
    model.owners.add(owner_validator)
    with pytest.raises(NotAllowed, match="independent validator"):
        services.post_implementation_review_complete(actor=owner_validator, pir=pir, outcome="confirmed", findings="x")
    with pytest.raises(ApplicationError, match="outcome"):
        services.post_implementation_review_complete(actor=validator, pir=pir, outcome="", findings="x")
    with pytest.raises(ApplicationError, match="findings"):
        services.post_implementation_review_complete(actor=validator, pir=pir, outcome="confirmed", findings=" ")
    with pytest.raises(Conflict, match="still in production"):
        services.post_implementation_review_complete(actor=validator, pir=pir, outcome="rolled_back", findings="x")
    done = services.post_implementation_review_complete(
        actor=validator,
        pir=pir,
        outcome="needs_remediation",
        findings="Threshold on recall untested; full review opened.",
        open_full_review=True,
    )
    assert done.status == "completed" and done.follow_up_review == Review.objects.get(version=approved.version)
    assert AuditEvent.objects.filter(action="post_implementation_review.completed").exists()
    with pytest.raises(Conflict, match="completed"):
        services.post_implementation_review_complete(actor=validator, pir=pir, outcome="confirmed", findings="x")


def test_overdue_reviews_escalate_once(approved, ds, units, approvers):
    validator = person("validator-3", "review_board", "sign_off_validation", units=(units["RETAIL"],))
    _deploy(ds, approved)
    pir = PostImplementationReview.objects.get(release=approved)
    assert services.post_implementation_reviews_escalate_overdue(today=pir.due_on) == 0
    later = pir.due_on + timedelta(days=1)
    assert services.post_implementation_reviews_escalate_overdue(today=later) == 1
    assert services.post_implementation_reviews_escalate_overdue(today=later + timedelta(days=1)) == 0
    for user in (validator, approvers[0], ds):
        assert (
            Notification.objects.filter(recipient=user, subject__startswith="Overdue post-implementation").count() == 1
        )
    assert AuditEvent.objects.filter(action="post_implementation_review.escalated").count() == 1


def test_the_scheduled_task_escalates_and_expires(requested):
    from governance.tasks import escalate_overdue_post_implementation_reviews

    with time_machine.travel(requested.created_at + timedelta(days=4)):
        assert escalate_overdue_post_implementation_reviews() == {"escalated": 0}
    requested.refresh_from_db()
    assert requested.status == "expired"


# --- Gates no emergency waives (issue 20, finding 2) -----------------------------------------------------------


def _emergency_in_validation(ds, model, approvers):
    """A version only in validation (no review ever opened), deployed, with an emergency release approved twice."""
    version = lifecycle.model_version_register(actor=ds, model=model, version="5", signature={"inputs": "[amount]"})
    lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    lifecycle.deployment_record(actor=ds, version=version, environment="production")
    release = services.emergency_release_request(actor=ds, version=version, reason="Losses of 40k a day.")
    for approver in approvers:
        services.emergency_release_approve(actor=approver, release=release, password=PASSWORD)
    return version, release


def _refused_by(ds, release, gate):
    with pytest.raises(Conflict) as refused:
        _deploy(ds, release)
    failed = {g["gate"] for g in refused.value.details["failed_gates"]}
    assert gate in failed
    release.refresh_from_db()
    assert release.status == "approved" and not PostImplementationReview.objects.exists()
    assert ModelVersion.objects.get(pk=release.version_id).stage == Stage.IN_VALIDATION
    return failed


def test_an_emergency_does_not_take_an_unassessed_use_case_to_production(ds, model, use_case, approvers):
    assert use_case.status == "proposed" and use_case.risk_tier == "unassessed"
    _, release = _emergency_in_validation(ds, model, approvers)
    failed = _refused_by(ds, release, "impact assessment approved")
    assert "approval current" not in failed  # the waivable gates are waived; the assessment is not


def test_an_emergency_does_not_take_a_prohibited_practice_to_production(ds, model, use_case, approvers):
    from tests.governance.helpers import LOW_ANSWERS, approve_assessment

    approve_assessment(use_case, {**LOW_ANSWERS, "prohibited_practices": ["social_scoring"]})
    _, release = _emergency_in_validation(ds, model, approvers)
    _refused_by(ds, release, "not a prohibited practice")

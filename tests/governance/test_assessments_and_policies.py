"""Impact assessments (draft, submit, approve by another reviewer) and review policies (versions, floors)."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from governance import services
from governance.digest import FIELD_CLASSES
from governance.models import ReviewPolicy, SignOff
from tests.governance.helpers import LOW_ANSWERS, person, sign_all, signer_for


def test_a_draft_is_answered_then_submitted_then_approved_by_another_reviewer(use_case):
    author, approver = person("author", "review_board"), person("approver", "review_board")
    draft = services.risk_assessment_create(actor=author, use_case=use_case, answers={"purpose": "Flag fraud."})
    with pytest.raises(ApplicationError) as incomplete:
        services.risk_assessment_submit(actor=author, assessment=draft)
    assert "autonomy" in incomplete.value.details and "purpose" not in incomplete.value.details
    services.risk_assessment_answer(
        actor=author, assessment=draft, answers={**LOW_ANSWERS, "annex_iii_areas": ["credit"]}
    )
    submitted = services.risk_assessment_submit(actor=author, assessment=draft)
    assert (submitted.eu_category, submitted.tier) == ("high", "high")
    with pytest.raises(NotAllowed, match="another reviewer must approve"):
        services.risk_assessment_approve(actor=author, assessment=submitted)
    with pytest.raises(NotAllowed, match="Only reviewers"):
        services.risk_assessment_approve(actor=person("pm2", "program_manager"), assessment=submitted)
    approved = services.risk_assessment_approve(actor=approver, assessment=submitted)
    use_case.refresh_from_db()
    assert use_case.risk_tier == "high"
    # the high policy reassesses after 365 days
    assert approved.reassessment_due == timezone.localdate() + timedelta(days=365)
    assert AuditEvent.objects.filter(action="risk_assessment.approved").exists()
    assert AuditEvent.objects.filter(action="use_case.risk_classified", target_id=str(use_case.pk)).exists()


def test_bad_answers_name_the_question(use_case):
    author = person("author", "review_board")
    with pytest.raises(ApplicationError) as refused:
        services.risk_assessment_create(
            actor=author, use_case=use_case, answers={"scale": "galactic", "colour": "red", "annex_iii_areas": "credit"}
        )
    assert set(refused.value.details) == {"scale", "colour", "annex_iii_areas"}


def test_one_assessment_in_progress_per_use_case(use_case):
    author = person("author", "review_board")
    services.risk_assessment_create(actor=author, use_case=use_case)
    with pytest.raises(Conflict, match="already has an assessment in progress"):
        services.risk_assessment_create(actor=author, use_case=use_case)


def test_a_prohibited_result_blocks_the_use_case(use_case):
    from tests.governance.helpers import approve_assessment

    approve_assessment(use_case, {**LOW_ANSWERS, "prohibited_practices": ["social_scoring"]})
    use_case.refresh_from_db()
    assert (use_case.status, use_case.risk_tier) == ("rejected", "critical")


def test_a_policy_edit_is_a_new_version_audited_and_resets_open_reviews(pending):
    from governance.models import Review

    admin = person("root", "platform_admin")
    review = Review.objects.get(version=pending)
    sign_all(review, skip=("business",))
    before = services.current_policy("medium")
    policy = services.review_policy_update(
        actor=admin,
        tier="medium",
        reason="Add a recall threshold.",
        metric_thresholds=[{"metric": "recall", "operator": ">=", "value": 0.8}],
    )
    assert policy.version == before.version + 1
    assert ReviewPolicy.objects.filter(tier="medium").count() == before.version + 1
    assert ReviewPolicy.objects.get(tier="medium", version=before.version).metric_thresholds == [
        {"metric": "auc", "operator": ">=", "value": 0.7}
    ]  # the old version is kept as it was
    review.refresh_from_db()
    assert review.policy_snapshot["version"] == policy.version
    assert SignOff.objects.get(review=review).invalidated_reason.startswith("Policy of the medium tier changed")
    event = AuditEvent.objects.get(action="review_policy.changed")
    assert event.reason == "Add a recall threshold." and event.changes["sign_offs_reset"][1] == 1
    sign_all(review)  # signers sign again under the new version
    assert (
        SignOff.objects.filter(review=review, invalidated_at__isnull=True, policy_version=policy.version).count() == 2
    )


@pytest.mark.parametrize(
    ("tier", "changes", "message"),
    [
        ("low", {"required_functions": []}, "can never go below validation"),
        ("critical", {"required_functions": ["validation", "risk"]}, "put back compliance"),
        ("high", {"required_functions": ["validation", "tarot"]}, "unknown function tarot"),
        ("critical", {"approval_validity_days": 400}, "at most 180 days"),
        ("medium", {"reassessment_cadence_days": 0}, "reassessment_cadence_days: give a whole number"),
        ("medium", {"metric_thresholds": [{"metric": "auc", "operator": "~", "value": 1}]}, "metric_thresholds"),
    ],
)
def test_a_policy_edit_never_goes_below_the_floor(db, tier, changes, message):
    admin = person("root", "platform_admin")
    versions = ReviewPolicy.objects.filter(tier=tier).count()
    with pytest.raises(ApplicationError, match=message):
        services.review_policy_update(actor=admin, tier=tier, reason="try", **changes)
    assert ReviewPolicy.objects.filter(tier=tier).count() == versions


def test_only_admins_edit_policies(db):
    with pytest.raises(NotAllowed, match="platform admins"):
        services.review_policy_update(actor=signer_for("risk"), tier="low", reason="x", approval_validity_days=1)


@pytest.mark.parametrize("label", sorted(FIELD_CLASSES))
def test_every_field_of_versions_and_reviews_is_classified(label):
    model = apps.get_model(label)
    fields = {f.name for f in model._meta.get_fields() if f.concrete}
    table = FIELD_CLASSES[label]
    assert fields - set(table) == set(), f"Classify these fields of {label} as material or not in governance/digest.py"
    assert set(table) - fields == set(), f"Remove fields that no longer exist from governance/digest.py ({label})"


def test_decommissioning_gives_the_notice_of_the_tier_policy(use_case, ds):
    from lifecycle import decommissioning
    from lifecycle import services as lifecycle
    from tests.governance.helpers import approve_assessment

    approve_assessment(use_case)  # low tier
    model = lifecycle.model_register(actor=ds, name="notice-model", use_case=use_case)
    notice = ReviewPolicy.objects.filter(tier="low").order_by("-version").first().decommission_notice_days
    with pytest.raises(ApplicationError, match=f"needs {notice} days' notice"):
        decommissioning.decommission_plan_create(
            actor=ds, model=model, reason="regulatory", sunset_date=timezone.localdate() + timedelta(days=notice - 1)
        )
    plan = decommissioning.decommission_plan_create(
        actor=ds, model=model, reason="regulatory", sunset_date=timezone.localdate() + timedelta(days=notice)
    )
    assert plan.notice_days == notice


def test_approval_expiries_and_reassessments_are_on_the_lifecycle_calendar(use_case, ds, units, make_user):
    from lifecycle import calendar
    from lifecycle import services as lifecycle
    from tests.governance.helpers import approved_version

    model = lifecycle.model_register(actor=ds, name="calendar-model", use_case=use_case)
    version = approved_version(model, 1, actor=ds)
    policy = ReviewPolicy.objects.filter(tier="low").order_by("-version").first()
    today = timezone.localdate()
    events = calendar.calendar_events(user=ds, start=today, end=today + timedelta(days=800))
    titles = {event.title: event.day for event in events}
    assert titles[f"Approval expires: {version}"] == today + timedelta(days=policy.approval_validity_days)
    assert any(title.startswith(f"Reassessment due: {use_case.code}") for title in titles)
    outsider = make_user("corp-reader", "data_scientist", units=(units["CORP"],))
    use_case.confidential = True
    use_case.save(update_fields=["confidential"])
    model.confidential = True
    model.save(update_fields=["confidential"])
    assert not [
        e
        for e in calendar.calendar_events(user=outsider, start=today, end=today + timedelta(800))
        if "calendar-model" in e.title or use_case.code in e.title
    ]

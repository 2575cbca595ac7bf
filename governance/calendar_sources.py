"""Governance dates on the lifecycle calendar: approvals that expire and reassessments that fall due."""

from datetime import timedelta

from django.urls import reverse

from governance.choices import AssessmentStatus, ReviewStatus
from governance.models import Review, RiskAssessment
from lifecycle.calendar import CalendarEvent
from lifecycle.choices import Stage

LIVE = (Stage.APPROVED, Stage.STAGING, Stage.PRODUCTION)


def approval_expiries(*, user, start, end):
    """Approvals of versions still in use whose validity ends in the period."""
    reviews = (
        Review.objects.restrict(user, "view")
        .filter(status=ReviewStatus.APPROVED, closed_at__isnull=False, version__stage__in=LIVE)
        .select_related("version__model", "policy")
    )
    for review in reviews:
        expires = (review.closed_at + timedelta(days=review.policy.approval_validity_days)).date()
        if start <= expires <= end:
            yield CalendarEvent(
                uid=f"approval-expiry-{review.pk}",
                kind="approval_expiry",
                title=f"Approval expires: {review.version}",
                start=expires,
                url=reverse("governance:review_detail", args=[review.pk]),
                detail=f"Approved under the {review.policy} ({review.policy.approval_validity_days} days).",
            )


def reassessments_due(*, user, start, end):
    assessments = (
        RiskAssessment.objects.restrict(user, "view")
        .filter(status=AssessmentStatus.APPROVED, reassessment_due__range=(start, end))
        .select_related("use_case")
    )
    for assessment in assessments:
        yield CalendarEvent(
            uid=f"reassessment-{assessment.pk}",
            kind="reassessment",
            title=f"Reassessment due: {assessment.use_case.code} {assessment.use_case.title}",
            start=assessment.reassessment_due,
            url=reverse("governance:assessment", args=[assessment.use_case_id]),
            detail=f"{assessment.get_tier_display()} tier.",
        )


def evidence_expiries(*, user, start, end):
    """Accepted compliance evidence whose validity ends in the period: the owners renew it before."""
    from governance.models import Evidence

    evidence = (
        Evidence.objects.restrict(user, "view")
        .filter(status="accepted", stale=False, expires_on__range=(start, end))
        .select_related("control", "use_case")
    )
    for item in evidence:
        yield CalendarEvent(
            uid=f"evidence-expiry-{item.pk}",
            kind="evidence_expiry",
            title=f"Evidence expires: {item.control.code} for {item.use_case.code}",
            start=item.expires_on,
            url=reverse("governance:use_case_coverage", args=[item.use_case_id]),
            detail=item.control.title,
        )

"""Governance dates on the lifecycle calendar: approvals that expire and reassessments that fall due."""

from datetime import UTC, datetime, time, timedelta

from django.db.models import Q
from django.urls import reverse

from governance.choices import AssessmentStatus, ReviewStatus
from governance.models import Review, ReviewPolicy, RiskAssessment
from lifecycle.calendar import CalendarEvent
from lifecycle.choices import Stage

LIVE = (Stage.APPROVED, Stage.STAGING, Stage.PRODUCTION)


def approval_expiries(*, user, start, end, unit=None):
    """Approvals of versions still in use whose validity ends in the period. The database reads only the
    approvals closed in the matching window of each validity length in use (a day wider on each side, the
    exact day is checked below), not every live approval."""
    first = datetime.combine(start, time.min, tzinfo=UTC)
    last = datetime.combine(end, time.min, tzinfo=UTC)
    window = Q(pk__in=[])
    for days in set(ReviewPolicy.objects.values_list("approval_validity_days", flat=True)):
        closed = (first - timedelta(days=days + 1), last - timedelta(days=days - 2))
        window |= Q(policy__approval_validity_days=days, closed_at__range=closed)
    reviews = (
        Review.objects.restrict(user, "view")
        .filter(window, status=ReviewStatus.APPROVED, closed_at__isnull=False, version__stage__in=LIVE)
        .select_related("version__model", "policy")
    )
    if unit is not None:
        reviews = reviews.filter(version__model__use_case__business_unit=unit)
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


def reassessments_due(*, user, start, end, unit=None):
    assessments = (
        RiskAssessment.objects.restrict(user, "view")
        .filter(status=AssessmentStatus.APPROVED, reassessment_due__range=(start, end))
        .select_related("use_case")
    )
    if unit is not None:
        assessments = assessments.filter(use_case__business_unit=unit)
    for assessment in assessments:
        yield CalendarEvent(
            uid=f"reassessment-{assessment.pk}",
            kind="reassessment",
            title=f"Reassessment due: {assessment.use_case.code} {assessment.use_case.title}",
            start=assessment.reassessment_due,
            url=reverse("governance:assessment", args=[assessment.use_case_id]),
            detail=f"{assessment.get_tier_display()} tier.",
        )

"""Governance's reasons for the health check of production versions (registered into lifecycle.health):
an approval expired or expiring within 14 days, a reassessment overdue."""

from datetime import timedelta

from django.urls import reverse

from governance.choices import AssessmentStatus, ReviewStatus
from governance.models import Review, RiskAssessment
from lifecycle.health import BAD, WARNING, HealthReason

EXPIRING_WITHIN = timedelta(days=14)


def approval_reasons(*, versions, now) -> dict[int, list[HealthReason]]:
    """The latest approved review of each version (one query): expired is bad, expiring soon a warning."""
    latest: dict[int, Review] = {}
    reviews = (
        Review.objects.filter(version__in=[v.pk for v in versions], closed_at__isnull=False)
        .exclude(status=ReviewStatus.SUPERSEDED)
        .order_by("version_id", "-opened_at", "-pk")
        .only("pk", "version_id", "status", "closed_at", "policy_snapshot")
    )
    for review in reviews:
        latest.setdefault(review.version_id, review)
    found: dict[int, list[HealthReason]] = {}
    for version_id, review in latest.items():
        days = review.policy_snapshot.get("approval_validity_days")
        if review.status != ReviewStatus.APPROVED or not days:
            continue
        expires = review.closed_at + timedelta(days=days)
        url = reverse("governance:review_detail", args=[review.pk])
        if expires < now:
            found[version_id] = [
                HealthReason(BAD, "approval_expired", f"The approval expired on {expires:%Y-%m-%d}.", url)
            ]
        elif expires < now + EXPIRING_WITHIN:
            found[version_id] = [
                HealthReason(WARNING, "approval_expiring", f"The approval expires on {expires:%Y-%m-%d}.", url)
            ]
    return found


def reassessment_reasons(*, versions, now) -> dict[int, list[HealthReason]]:
    """The use case's approved impact assessment is past its reassessment date (one query)."""
    by_use_case: dict[int, list[int]] = {}
    for version in versions:
        by_use_case.setdefault(version.model.use_case_id, []).append(version.pk)
    overdue = RiskAssessment.objects.filter(
        use_case__in=list(by_use_case), status=AssessmentStatus.APPROVED, reassessment_due__lt=now.date()
    ).values_list("use_case_id", "reassessment_due")
    found: dict[int, list[HealthReason]] = {}
    for use_case_id, due in overdue:
        reason = HealthReason(
            WARNING,
            "reassessment_overdue",
            f"The impact assessment was due for reassessment on {due:%Y-%m-%d}.",
            reverse("governance:assessment", args=[use_case_id]),
        )
        for version_id in by_use_case[use_case_id]:
            found.setdefault(version_id, []).append(reason)
    return found

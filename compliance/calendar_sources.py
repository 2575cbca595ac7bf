"""Compliance's dates on the calendar: evidence whose validity ends."""

from django.urls import reverse

from compliance.models import Evidence
from lifecycle.calendar import CalendarEvent


def evidence_expiries(*, user, start, end):
    """Accepted compliance evidence whose validity ends in the period: the owners renew it before."""
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
            url=reverse("compliance:use_case_coverage", args=[item.use_case_id]),
            detail=item.control.title,
        )

"""Reads of the audit trail, scoped like the records the events are about."""

from django.db.models import Q, QuerySet

from audit.models import AuditEvent
from core.permissions import member_business_unit_ids, sees_everything


def audit_event_list(*, user) -> QuerySet[AuditEvent]:
    """Holders of `audit.view_auditevent`; those who do not see every unit get events of theirs only."""
    if not (user.is_authenticated and user.is_active and user.has_perm("audit.view_auditevent")):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if not (user.is_superuser or sees_everything(user)):
        events = events.filter(
            Q(business_unit_id__isnull=True) | Q(business_unit_id__in=member_business_unit_ids(user))
        )
    return events

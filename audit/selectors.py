"""Reads of the audit trail, scoped like the records the events are about."""

from django.db.models import Q, QuerySet

from audit.models import AuditEvent, LegalHold, PurgeRun
from audit.retention import hold_targets
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


def legal_hold_list(*, user) -> QuerySet[LegalHold]:
    """Holders of `audit.view_legalhold`: holds on everything, and holds on use cases and models they may see
    (a hold's target name is as confidential as the target)."""
    if not (user.is_authenticated and user.is_active and user.has_perm("audit.view_legalhold")):
        return LegalHold.objects.none()
    visible = Q(scope=LegalHold.Scope.ALL)
    for scope, model in hold_targets().items():
        visible |= Q(scope=scope, target_id__in=model.objects.restrict(user, "view").values("pk"))
    return LegalHold.objects.filter(visible).select_related("placed_by", "released_by")


def purge_run_list(*, user) -> QuerySet[PurgeRun]:
    if not (user.is_authenticated and user.is_active and user.has_perm("audit.view_purgerun")):
        return PurgeRun.objects.none()
    return PurgeRun.objects.select_related("actor")


def audit_head() -> int:
    """The sequence number of the newest event: a version number of the whole database, since every change
    appends to the trail in its own transaction (the dashboards' panels and whole pages are cached on it)."""
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from core.permissions import RestrictedQuerySet
from notifications.models import Notification


def _still_visible(user, notifications: QuerySet[Notification]) -> Q:
    """Notifications about no record, or about a record the user may still see (a use case made confidential
    later, or a unit the user left, takes its notifications out of the inbox)."""
    visible = Q(target_type__isnull=True)
    type_ids = notifications.filter(target_type__isnull=False).values_list("target_type", flat=True).distinct()
    for type_id in sorted(set(type_ids)):
        model = ContentType.objects.get_for_id(type_id).model_class()
        records = model._default_manager.all() if model is not None else None
        if isinstance(records, RestrictedQuerySet):
            visible |= Q(target_type_id=type_id, target_id__in=records.restrict(user, "view").values("pk"))
        elif records is not None:
            visible |= Q(target_type_id=type_id)
    return visible


def notification_list(*, user) -> QuerySet[Notification]:
    mine = Notification.objects.filter(recipient=user)
    return mine.filter(_still_visible(user, mine))


def unread_count(*, user) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


def read_before(cutoff) -> QuerySet[Notification]:
    """Notifications read before the cut-off: what the retention purge may delete (unread ones stay)."""
    return Notification.objects.filter(read_at__lt=cutoff)

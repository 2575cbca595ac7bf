from django.db.models import QuerySet

from notifications.models import Notification


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def read_before(cutoff) -> QuerySet[Notification]:
    """Notifications read before the cut-off: what the retention purge may delete (unread ones stay)."""
    return Notification.objects.filter(read_at__lt=cutoff)

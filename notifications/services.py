"""Tell people: an in-app notification each, and an email once the transaction commits."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mass_mail
from django.db import models, transaction
from django.utils import timezone

from core.permissions import can
from notifications.models import Notification


def notify(
    *,
    recipients: Iterable,
    subject: str,
    body: str = "",
    url: str = "",
    category: str = "",
    about: models.Model | None = None,
) -> int:
    """Notify each distinct active recipient in-app and by email; returns how many were notified.

    `about` is the record the message names: only recipients who may see it are told (RELIABILITY T26), and
    the inbox hides it again if they lose sight of it. Email leaves only after commit, so a rolled-back change
    never mails anyone.
    """
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if about is not None:
        people = {pk: user for pk, user in people.items() if can(user, "view", about)}
    target = {}
    if about is not None:
        target = {"target_type": ContentType.objects.get_for_model(type(about)), "target_id": about.pk}
    Notification.objects.bulk_create(
        Notification(recipient=user, subject=subject[:200], body=body, url=url, category=category, **target)
        for user in people.values()
    )
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url else ""
    messages = [
        (subject, f"{body}{link}", settings.DEFAULT_FROM_EMAIL, [user.email]) for user in people.values() if user.email
    ]
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(people)


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when no ids are given)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())

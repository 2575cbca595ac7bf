import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def test_notify_reaches_each_active_person_once_in_app_and_by_email(make_user, django_capture_on_commit_callbacks):
    alice = make_user("alice", email="alice@example.com")
    bob = make_user("bob", email="")
    gone = make_user("gone", email="gone@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        count = notify(recipients=[alice, bob, alice, gone], subject="Review waits", body="v3", url="/x/")
    assert count == 2
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["alice", "bob"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert "/x/" in mail.outbox[0].body


def test_a_rolled_back_change_mails_nobody(make_user, django_capture_on_commit_callbacks):
    alice = make_user("alice", email="alice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(recipients=[alice], subject="Never sent")
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_inbox_shows_only_my_notifications_and_marks_them_read(client, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    notify(recipients=[alice], subject="For Alice")
    notify(recipients=[bob], subject="For Bob")
    client.force_login(alice)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "For Alice" in page and "For Bob" not in page
    assert 'aria-label="Notifications, 1 unread"' in page
    client.post(reverse("notifications:mark_read"))
    assert Notification.objects.get(recipient=alice).read_at is not None
    assert Notification.objects.get(recipient=bob).read_at is None

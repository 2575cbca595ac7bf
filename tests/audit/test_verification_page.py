"""The audit page shows whether the trail is tamper-evident right now: the last external checkpoint and its age,
the last verification (when, by whom or the schedule, intact or which event failed), and lets platform admins
verify on demand. Events that wait too long for a checkpoint are flagged and platform admins are told once."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit import anchors, tasks, verification
from audit.models import AuditEvent
from notifications.models import Notification
from portfolio import services as portfolio
from tests.audit.helpers import tamper


@pytest.fixture
def people(units, make_user):
    return {
        "pm": make_user("pm", "program_manager", units=(units["RETAIL"],)),
        "admin": make_user("admin", "platform_admin", first_name="Ada", last_name="Byron"),
        "boss": make_user("boss", "executive"),
    }


@pytest.fixture
def trail(people, units):
    case = portfolio.use_case_create(actor=people["pm"], title="Fraud triage", business_unit=units["RETAIL"])
    portfolio.use_case_update(actor=people["pm"], use_case=case, title="Fraud triage v2", reason="clearer")
    return case


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get("/audit/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_last_checkpoint_and_that_it_is_up_to_date(client, people, trail):
    anchors.write_checkpoint()
    head = AuditEvent.objects.order_by("-seq").first()
    page = _page(client, people["boss"])
    assert 'data-testid="checkpoint-status"' in page and f"event #{head.seq}" in page
    assert "Up to date" in page and "written every 5 minutes" in page
    assert 'data-testid="verify-now"' not in page  # executives read the trail; platform admins verify it


def test_a_platform_admin_verifies_now_and_sees_the_result_recorded_in_the_trail(client, people, trail):
    anchors.write_checkpoint()
    client.force_login(people["admin"])
    response = client.post("/audit/verify/", follow=True)
    page = response.content.decode()
    events = AuditEvent.objects.filter(action=verification.VERIFIED).count()
    assert "Audit trail intact" in page and "1 external checkpoints matched" in page
    event = AuditEvent.objects.get(action=verification.VERIFIED)
    assert event.actor == people["admin"] and event.changes["ok"] == [None, True] and events == 1
    assert "by Ada Byron" in page and "Intact" in page


def test_verify_now_names_the_event_that_fails_and_tells_the_admins(client, people, trail):
    victim = AuditEvent.objects.get(action="use_case.updated")
    tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["innocent", victim.pk])
    client.force_login(people["admin"])
    page = client.post("/audit/verify/", follow=True).content.decode()
    assert f"Event #{victim.seq}" in page and "Broken" in page
    assert AuditEvent.objects.filter(action=verification.BROKEN, actor=people["admin"]).exists()
    assert Notification.objects.filter(recipient=people["admin"], subject__contains="does not verify").exists()


def test_only_platform_admins_may_verify(client, people, trail):
    client.force_login(people["boss"])
    page = client.post("/audit/verify/", follow=True).content.decode()
    assert "Only platform admins" in page
    assert not AuditEvent.objects.filter(action__in=(verification.VERIFIED, verification.BROKEN)).exists()
    assert client.get("/audit/verify/").status_code == 405


def test_the_daily_verification_is_shown_as_done_by_the_schedule(client, people, trail):
    assert tasks.verify_chain.delay().get()["ok"] is True
    page = _page(client, people["admin"])
    assert "by the daily schedule" in page and "Intact" in page


def test_events_waiting_past_two_periods_are_flagged_and_admins_told_once(client, people, trail):
    anchors.write_checkpoint()
    portfolio.use_case_update(actor=people["pm"], use_case=trail, title="Fraud triage v3", reason="later")
    waiting = AuditEvent.objects.order_by("-seq").first()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = _page(client, people["boss"])
        assert 'data-testid="checkpoint-stale"' in page and f"Event #{waiting.seq} has waited" in page
        tasks.check_checkpoints.delay().get()
        tasks.check_checkpoints.delay().get()  # the same stall: no second alarm
    alarms = Notification.objects.filter(subject__contains="checkpoints are behind")
    assert list(alarms.values_list("recipient__username", flat=True)) == ["admin"]
    assert AuditEvent.objects.filter(action=verification.STALE).count() == 1


def test_an_idle_trail_is_not_stale(client, people, trail):
    anchors.write_checkpoint()
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert not verification.checkpoint_status().stale
        assert "Up to date" in _page(client, people["boss"])


def test_a_disabled_checkpoint_schedule_is_flagged(client, people, trail):
    PeriodicTask.objects.filter(task=verification.CHECKPOINT_TASK).update(enabled=False)
    status = verification.checkpoint_status()
    assert status.stale and "missing or disabled" in status.problem
    assert "missing or disabled" in _page(client, people["boss"])

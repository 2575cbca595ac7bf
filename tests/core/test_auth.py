"""Sign-in, tokens, lockout and session lifetime."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent

PASSWORD = "correct-horse-battery"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],))


def test_token_grants_api_access(pm, client):
    response = client.post(TOKEN_URL, {"username": "pm", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    listing = client.get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listing.status_code == 200


def test_wrong_password_gets_400_with_a_clear_message_and_an_audit_event(pm, client):
    response = client.post(TOKEN_URL, {"username": "pm", "password": "nope"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Wrong username or password."
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target_repr == "pm"
    assert "nope" not in str(event.changes) + event.reason  # never the password


def test_missing_fields_are_named(client, db):
    response = client.post(TOKEN_URL, {"username": "pm"}, content_type="application/json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_an_expired_token_is_refused(pm, client):
    from core.tokens import api_token_issue

    _token, key = api_token_issue(user=pm, name="laptop")
    with time_machine.travel(timezone.now() + timedelta(hours=13)):
        response = client.get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]
        fresh = client.post(TOKEN_URL, {"username": "pm", "password": PASSWORD}, content_type="application/json")
        assert fresh.json()["token"] != key


def test_five_failures_lock_the_account_even_for_the_right_password(pm, client):
    for _ in range(5):
        client.post(TOKEN_URL, {"username": "pm", "password": "wrong"}, content_type="application/json")
    locked = client.post(TOKEN_URL, {"username": "pm", "password": PASSWORD}, content_type="application/json")
    assert locked.status_code == 400
    assert "locked" in locked.json()["detail"]
    page = client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    assert "locked" in page.content.decode()
    assert "_auth_user_id" not in client.session
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert (
            client.post(
                TOKEN_URL, {"username": "pm", "password": PASSWORD}, content_type="application/json"
            ).status_code
            == 200
        )


def test_an_admin_can_unlock_early(pm, client, make_user):
    from core.lockout import account_unlock, lock_state

    for _ in range(5):
        client.post(TOKEN_URL, {"username": "pm", "password": "wrong"}, content_type="application/json")
    assert lock_state("pm").locked
    account_unlock(actor=make_user("root", "platform_admin"), user=pm, reason="verified by phone")
    assert not lock_state("pm").locked


def test_login_rotates_the_session_and_is_audited(pm, client):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    response = client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert AuditEvent.objects.filter(action="auth.login", actor=pm).exists()
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=pm).exists()


def test_logout_invalidates_the_old_cookie(pm, client):
    client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie
    assert client.get(reverse("portfolio:usecase_list")).status_code == 302


def test_idle_sessions_expire_after_30_minutes(pm, client, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert client.get(reverse("portfolio:usecase_list")).status_code == 302


def test_activity_pushes_the_idle_timeout_on_writing_the_session_at_most_once_a_minute(pm, client, settings):
    assert settings.SESSION_REFRESH_SECONDS == 60
    start = timezone.now()
    client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    key = client.cookies["sessionid"].value

    def expiry_after_request_at(seconds: int):
        with time_machine.travel(start + timedelta(seconds=seconds)):
            assert client.get(reverse("portfolio:usecase_list")).status_code == 200
        return Session.objects.get(session_key=key).expire_date

    first = expiry_after_request_at(1)
    assert expiry_after_request_at(40) == first  # within the minute: no write
    pushed = expiry_after_request_at(62)
    assert pushed - first >= timedelta(seconds=60)
    # Idle from the last write for just under 30 minutes: still signed in; idle for 30 minutes: signed out.
    with time_machine.travel(start + timedelta(seconds=62 + 29 * 60)):
        assert client.get(reverse("portfolio:usecase_list")).status_code == 200
    with time_machine.travel(start + timedelta(seconds=62 + 29 * 60 + 30 * 60 + 1)):
        assert client.get(reverse("portfolio:usecase_list")).status_code == 302


def test_sessions_end_after_12_hours_however_active(pm, client):
    start = timezone.now()
    client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    client.get(reverse("portfolio:usecase_list"))
    # Stay active every 20 minutes for 12 hours: the idle timeout never fires, the absolute one does.
    for step in range(1, 37):
        with time_machine.travel(start + timedelta(minutes=20 * step)):
            assert client.get(reverse("portfolio:usecase_list")).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=10)):
        response = client.get(reverse("portfolio:usecase_list"))
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_password_change_ends_other_sessions(pm, client):
    from django.test import Client

    other = Client()
    other.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-secret-42",
            "new_password2": "a-much-longer-secret-42",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("portfolio:usecase_list")).status_code == 200
    assert other.get(reverse("portfolio:usecase_list")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=pm).exists()
    assert Session.objects.exists()


def test_role_changes_are_audited(pm, db):
    from django.contrib.auth.models import Group

    pm.groups.add(Group.objects.get(name="Executive"))
    event = AuditEvent.objects.filter(action="auth.roles_changed").latest("seq")
    assert event.changes == {"added": [None, ["Executive"]]}
    assert event.target_repr == "pm"


def test_an_open_redirect_after_login_is_refused(pm, client):
    response = client.post(
        reverse("login") + "?next=https://evil.example/",
        {"username": "pm", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]

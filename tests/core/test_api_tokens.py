"""API tokens per client (issue 20, finding 4; RELIABILITY T25): named, several per user, listed, revocable by
their holder and platform admins; a password change (any path), deactivation or lockout stops every one of them."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from core.models import ApiToken

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-much-longer-secret-42"
TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],))


@pytest.fixture
def root(make_user):
    return make_user("root", "platform_admin", first_name="Ada", last_name="Root")


def _issue(client, name=None, username="pm", password=PASSWORD) -> str:
    body = {"username": username, "password": password} | ({"name": name} if name is not None else {})
    response = client.post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"token"}  # the public contract is unchanged
    return response.json()["token"]


def _works(key) -> bool:
    return Client().get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def _detail(key) -> str:
    response = Client().get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    return response.json()["detail"]


def test_each_request_issues_a_new_named_token_and_both_work(pm, client):
    ci, laptop, unnamed = _issue(client, "CI pipeline"), _issue(client, "Laptop"), _issue(client)
    assert len({ci, laptop, unnamed}) == 3
    assert all(_works(key) for key in (ci, laptop, unnamed))
    listing = Client().get(TOKENS_URL, HTTP_AUTHORIZATION=f"Token {ci}").json()
    assert listing["count"] == 3
    rows = {row["name"]: row for row in listing["results"]}
    assert set(rows) == {"CI pipeline", "Laptop", "Unnamed client"}
    assert rows["CI pipeline"]["last_used_at"] and rows["CI pipeline"]["status"] == "active"
    assert {"created_at", "expires_at", "prefix"} <= set(rows["Laptop"])
    events = AuditEvent.objects.filter(action="auth.token_issued")
    assert events.count() == 3 and all(ci not in str(e.changes) + e.target_repr for e in events)


def test_only_a_hash_of_the_key_is_stored(pm, client):
    key = _issue(client, "CI pipeline")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored and key[8:] not in stored


def test_the_holder_revokes_a_token_and_only_that_one_stops(pm, client):
    ci, laptop = _issue(client, "CI pipeline"), _issue(client, "Laptop")
    token = ApiToken.objects.get(name="Laptop")
    response = Client().delete(f"{TOKENS_URL}{token.pk}/", HTTP_AUTHORIZATION=f"Token {ci}")
    assert response.status_code == 204
    assert "revoked" in _detail(laptop)
    assert _works(ci)
    event = AuditEvent.objects.get(action="auth.token_revoked")
    assert event.actor == pm and event.target_id == str(token.pk)


def test_another_user_cannot_see_or_revoke_my_token_but_a_platform_admin_can(pm, root, make_user, units, client):
    mine = _issue(client, "CI pipeline")
    make_user("other", "program_manager", units=(units["RETAIL"],))
    theirs = _issue(client, "theirs", username="other")
    token = ApiToken.objects.get(name="CI pipeline")
    other = Client()
    assert other.get(TOKENS_URL, HTTP_AUTHORIZATION=f"Token {theirs}").json()["count"] == 1
    assert other.delete(f"{TOKENS_URL}{token.pk}/", HTTP_AUTHORIZATION=f"Token {theirs}").status_code == 404
    assert _works(mine)
    admin = Client()
    admin.force_login(root)
    assert admin.delete(f"{TOKENS_URL}{token.pk}/").status_code == 204
    assert "revoked by a platform admin" in _detail(mine)
    assert AuditEvent.objects.get(action="auth.token_revoked").actor == root


def _change_password_on_the_page(user, client):
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


def _set_password_in_a_service(user, client):
    user.set_password("an-admin-chose-this-one")
    user.save()


def _raw_update_of_the_hash(user, client):
    # No save(), no signal: the fingerprint kept with each token still tells.
    get_user_model().objects.filter(pk=user.pk).update(password=make_password("set-behind-our-back"))


def _deactivate(user, client):
    user.is_active = False
    user.save()
    user.is_active = True  # even brought back, the account's old tokens stay dead
    user.save()


def _lock(user, client):
    from core.lockout import account_unlock

    for _ in range(5):
        client.post(TOKEN_URL, {"username": user.username, "password": "wrong"}, content_type="application/json")
    account_unlock(actor=user, user=user, reason="test: unlocked again at once")


EVENTS = {
    "own password change": _change_password_on_the_page,
    "set_password through a service": _set_password_in_a_service,
    "password hash replaced without save()": _raw_update_of_the_hash,
    "deactivation (then reactivation)": _deactivate,
    "lockout (then unlock)": _lock,
}


@pytest.mark.parametrize("event", EVENTS)
def test_no_token_survives_a_credential_event(event, pm, client):
    """T25: tokens alive after each event: 0."""
    keys = [_issue(client, name) for name in ("CI pipeline", "Laptop", "Notebook")]
    assert all(_works(key) for key in keys)
    EVENTS[event](get_user_model().objects.get(pk=pm.pk), Client())
    alive = [key for key in keys if _works(key)]
    assert alive == [], f"{len(alive)} tokens alive after {event}"


@pytest.mark.parametrize("event", ["own password change", "deactivation (then reactivation)", "lockout (then unlock)"])
def test_credential_events_revoke_explicitly_and_are_audited(event, pm, client):
    _issue(client, "CI pipeline"), _issue(client, "Laptop")
    EVENTS[event](get_user_model().objects.get(pk=pm.pk), Client())
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="auth.token_revoked").count() == 2
    assert AuditEvent.objects.filter(action="auth.calendar_feed_rotated", target_repr="pm").exists()


def test_revoke_tokens_is_the_service_other_entry_points_call(pm, root, client):
    from core.tokens import revoke_tokens

    key = _issue(client, "CI pipeline")
    assert revoke_tokens(pm, "admin forced a password reset", actor=root) == 1
    assert "admin forced a password reset" in _detail(key)
    assert AuditEvent.objects.get(action="auth.token_revoked").reason == "admin forced a password reset"


# --- Pages ---------------------------------------------------------------------------------------------------


def test_the_tokens_page_creates_a_named_token_shown_once_then_lists_and_revokes_it(pm, client):
    client.force_login(pm)
    assert client.post(reverse("api_tokens"), {"name": ""}).status_code == 400  # the name is asked for
    page = client.post(reverse("api_tokens"), {"name": "CI pipeline"}).content.decode()
    key = ApiToken.objects.get(name="CI pipeline")
    shown = page.split('data-testid="new-token-key"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert _works(shown) and shown.startswith(key.prefix)
    listing = client.get(reverse("api_tokens")).content.decode()
    assert "CI pipeline" in listing and shown not in listing  # never shown again
    client.post(reverse("api_token_revoke", args=[key.pk]))
    assert not _works(shown)
    assert "revoked by its holder" in client.get(reverse("api_tokens")).content.decode()


def test_the_admin_page_lists_everyones_live_tokens_for_platform_admins_only(pm, root, client):
    _issue(client, "CI pipeline")
    client.force_login(pm)
    assert client.get(reverse("api_tokens_admin")).status_code == 404
    token = ApiToken.objects.get(name="CI pipeline")
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 302  # pm's own: allowed
    _issue(client, "Laptop")
    laptop = ApiToken.objects.get(name="Laptop")
    admin = Client()
    admin.force_login(root)
    page = admin.get(reverse("api_tokens_admin")).content.decode()
    assert "Laptop" in page and "CI pipeline" not in page  # live ones only
    admin.post(reverse("api_token_revoke", args=[laptop.pk]), {"reason": "left the project", "next": "admin"})
    laptop.refresh_from_db()
    assert laptop.revoked_at and laptop.revoke_reason == "left the project" and laptop.revoked_by == root

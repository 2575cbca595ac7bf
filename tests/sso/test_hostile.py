"""What an attacker tries against single sign-on, each against the real provider of the tests: a tampered, expired,
foreign or replayed ID token, a wrong state, and a local password where only the provider may vouch."""

import base64
import json
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.core.exceptions import SuspiciousOperation

from audit.models import AuditEvent
from identity import services
from identity.backends import OIDCBackend
from notifications.models import Notification
from tests.sso.flow import ProviderBrowser, sso_sign_in
from tests.sso.helpers import superuser

pytestmark = pytest.mark.django_db


# --- ID tokens --------------------------------------------------------------------------------------------------


def _kid(provider) -> str:
    return requests.get(f"{provider.issuer}/.well-known/jwks.json", timeout=5).json()["keys"][0]["kid"]


def _token(provider, key=None, **overrides) -> str:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": provider.client_id,
        "sub": "7",
        "iat": now,
        "exp": now + 300,
        "auth_time": now,
        "nonce": "the-nonce",
        **overrides,
    }
    return jwt.encode(claims, key or provider.private_key_pem, algorithm="RS256", headers={"kid": _kid(provider)})


def test_an_id_token_signed_by_the_provider_with_the_right_claims_is_accepted(sso_on):
    assert OIDCBackend().verify_token(_token(sso_on), nonce="the-nonce")["sub"] == "7"


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"aud": "another-client"}, "another client"),
        ({"iss": "http://evil.example/o"}, "another provider"),
        ({"nonce": "someone-elses-nonce"}, "Nonce"),
    ],
)
def test_an_id_token_that_is_expired_foreign_or_for_another_sign_in_is_refused(sso_on, overrides, refusal):
    with pytest.raises(SuspiciousOperation, match=refusal):
        OIDCBackend().verify_token(_token(sso_on, **overrides), nonce="the-nonce")


def test_a_tampered_id_token_or_one_signed_with_another_key_is_refused(sso_on):
    header, payload, signature = _token(sso_on).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "1"}).encode()).rstrip(b"=").decode()
    with pytest.raises(SuspiciousOperation, match="verification failed"):
        OIDCBackend().verify_token(f"{header}.{forged}.{signature}", nonce="the-nonce")
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(SuspiciousOperation, match="verification failed"):
        OIDCBackend().verify_token(_token(sso_on, key=other_key), nonce="the-nonce")


def test_a_callback_with_a_state_this_browser_never_sent_signs_nobody_in(client, sso_on, units):
    browser = ProviderBrowser(sso_on)
    start = client.get("/accounts/sso/login/")
    back = browser.authorize(start["Location"], "alice")
    forged = back.replace("state=", "state=x")
    response = client.get(forged)
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sso_refused").exists()
    assert not User.objects.filter(username="alice").exists()


def test_a_used_authorization_response_cannot_be_replayed(client, sso_on, units):
    browser = ProviderBrowser(sso_on)
    start = client.get("/accounts/sso/login/")
    back = browser.authorize(start["Location"], "alice")
    assert client.get(back)["Location"] == "/"
    client.logout()
    replay = client.get(back)
    assert replay["Location"] == "/accounts/login/" and "_auth_user_id" not in client.session


# --- Local passwords ---------------------------------------------------------------------------------------------


@pytest.fixture
def local_login_off(settings, sso_on):
    settings.LODESTAR_LOCAL_LOGIN = "break_glass"
    return sso_on


def _local_sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_with_local_login_off_a_password_is_refused_with_words_that_say_to_use_the_provider(
    client, api, local_login_off, units
):
    sso_sign_in(client, ProviderBrowser(local_login_off), "alice")  # an account of the provider
    client.logout()
    User.objects.create_user("carol", password="carol-pass-2026-x")  # a local account, not break-glass
    for username, password in (("alice", "anything-at-all"), ("carol", "carol-pass-2026-x")):
        page = _local_sign_in(client, username, password)
        assert page.status_code == 200
        assert "Local passwords are switched off: sign in with Example ID instead." in page.content.decode()
        assert "_auth_user_id" not in client.session
        token = api().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
        assert token.status_code in (400, 401, 403) and "token" not in token.json()


def test_a_break_glass_sign_in_works_is_audited_and_told_to_the_other_admins(client, local_login_off):
    root = superuser()
    other_admin = superuser("second-admin")
    keeper = User.objects.create_user("glass", password="glass-pass-2026-x")
    services.break_glass_flag(actor=root, user=keeper, reason="The provider is down")

    response = _local_sign_in(client, "glass", "glass-pass-2026-x")

    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == keeper.pk
    assert AuditEvent.objects.filter(action="auth.break_glass_sign_in", actor=keeper).exists()
    told = Notification.objects.filter(subject__contains="Break-glass sign-in by glass")
    assert set(told.values_list("recipient__username", flat=True)) == {root.username, other_admin.username}


def test_only_a_superuser_flags_a_break_glass_account(local_login_off, units):
    from core.exceptions import NotAllowed
    from tests.governance.helpers import person

    admin = person("platform", "platform_admin")
    with pytest.raises(NotAllowed, match="superuser"):
        services.break_glass_flag(actor=admin, user=admin, reason="me")


def test_local_passwords_work_for_everyone_while_single_sign_on_is_off(client, settings, units):
    settings.LODESTAR_LOCAL_LOGIN = "break_glass"  # without a provider to replace them, nothing is switched off
    User.objects.create_user("carol", password="carol-pass-2026-x")
    assert _local_sign_in(client, "carol", "carol-pass-2026-x").status_code == 302


def test_no_admin_but_a_superuser_maps_a_provider_group_to_the_platform_admin_role(sso_on, units):
    from core.exceptions import NotAllowed
    from identity.models import ClaimMapping
    from tests.governance.helpers import person
    from tests.sso.helpers import role

    admin = person("platform", "platform_admin")
    with pytest.raises(NotAllowed, match="only a superuser maps a provider group"):
        services.claim_mapping_create(
            actor=admin, claim_value="idp-admins", grants=ClaimMapping.Grants.ROLE, role=role("platform_admin")
        )
    assert not ClaimMapping.objects.filter(claim_value="idp-admins").exists()

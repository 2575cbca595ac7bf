"""Signing in through a real OpenID provider (tests/sso_provider/, its own process): the full authorization code
flow with PKCE, just-in-time accounts keyed on issuer and subject, and the claims table applied at every sign-in."""

import pytest
from django.contrib.auth.models import User

from audit.models import AuditEvent
from identity.models import ClaimMapping, ExternalIdentity
from portfolio.models import Membership
from tests.sso.flow import ProviderBrowser, sso_sign_in
from tests.sso.helpers import map_claims, role

pytestmark = pytest.mark.django_db


def test_the_login_page_offers_the_provider_only_when_single_sign_on_is_on(client, settings, sso_provider):
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/sso/login/").status_code == 404
    settings.OIDC_RP_CLIENT_ID = sso_provider.client_id
    settings.LODESTAR_SSO_PROVIDER_NAME = "Example ID"
    assert "Sign in with Example ID" in client.get("/accounts/login/").content.decode()


def test_a_first_sign_in_creates_the_account_with_what_its_groups_map_to_and_lands_on_its_dashboard(
    client, sso_on, units
):
    map_claims(units)
    response = sso_sign_in(client, ProviderBrowser(sso_on), "alice")

    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/")["Location"] == "/dashboards/review-board/"
    alice = User.objects.get(username="alice")
    assert not alice.has_usable_password() and not alice.is_staff and not alice.is_superuser
    assert (alice.first_name, alice.email) == ("Alice", "alice@example.com")
    assert set(alice.groups.values_list("name", flat=True)) == {"Review board member", "Sign-off: Validation"}
    assert alice.has_perm("governance.sign_validation")
    assert list(Membership.objects.filter(user=alice).values_list("business_unit__code", flat=True)) == ["RETAIL"]
    link = ExternalIdentity.objects.get(user=alice)
    assert link.issuer == sso_on.issuer and link.subject != "alice"  # the provider's subject, not the name
    events = AuditEvent.objects.filter(target_type="auth.user", target_id=str(alice.pk)).order_by("seq")
    actions = list(events.values_list("action", flat=True))
    assert actions[:4] == ["auth.user_created", "sso.account_linked", "auth.roles_changed", "auth.login"]
    assert AuditEvent.objects.filter(action="membership.added", reason__contains="claims of").exists()


def test_each_sign_in_adds_and_removes_what_the_claims_no_longer_give_and_keeps_an_admins_own_grants(
    client, sso_on, units
):
    admin = map_claims(units)
    sso_sign_in(client, ProviderBrowser(sso_on), "alice")
    alice = User.objects.get(username="alice")
    alice.groups.add(role("executive"))  # given by an admin, outside the claims table
    from identity import services

    services.claim_mapping_delete(actor=admin, mapping=ClaimMapping.objects.get(claim_value="idp-sign-validation"))
    services.claim_mapping_delete(actor=admin, mapping=ClaimMapping.objects.get(claim_value="idp-retail"))
    client.logout()

    sso_sign_in(client, ProviderBrowser(sso_on), "alice")

    assert set(alice.groups.values_list("name", flat=True)) == {"Review board member", "Executive"}
    assert not Membership.objects.filter(user=alice).exists()
    removed = AuditEvent.objects.filter(action="auth.roles_changed", target_id=str(alice.pk)).order_by("seq").last()
    assert "Sign-off: Validation" in str(removed.changes) and "claims of" in removed.reason
    assert AuditEvent.objects.filter(action="membership.removed", reason__contains="claims of").exists()


def test_the_account_is_keyed_on_issuer_and_subject_never_on_the_e_mail_or_a_used_username(client, sso_on, units):
    local = User.objects.create_user("alice", email="alice@example.com", password="local-pass-2026-x")
    sso_sign_in(client, ProviderBrowser(sso_on), "alice")

    linked = ExternalIdentity.objects.get().user
    assert linked != local and linked.username == "alice-2"
    assert int(client.session["_auth_user_id"]) == linked.pk
    client.logout()
    sso_sign_in(client, ProviderBrowser(sso_on), "alice")  # the second sign-in finds the same account
    assert User.objects.filter(username__startswith="alice").count() == 2


def test_groups_the_claims_table_does_not_name_grant_nothing_even_named_like_the_admin_role(client, sso_on, units):
    map_claims(units)
    sso_sign_in(client, ProviderBrowser(sso_on), "mallory")

    mallory = User.objects.get(username="mallory")
    assert not mallory.groups.exists() and not mallory.is_staff and not mallory.is_superuser
    assert not mallory.has_perm("auth.change_user")
    assert client.get("/accounts/sso/mappings/").status_code == 404
    assert client.get("/dashboards/administration/").status_code in (403, 404)


def test_a_deactivated_account_is_not_signed_in_by_the_provider(client, sso_on, units):
    sso_sign_in(client, ProviderBrowser(sso_on), "bob")
    bob = User.objects.get(username="bob")
    User.objects.filter(pk=bob.pk).update(is_active=False)
    client.logout()
    response = sso_sign_in(client, ProviderBrowser(sso_on), "bob")
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_deactivating_an_account_ends_its_single_sign_on_session(client, sso_on, units):
    sso_sign_in(client, ProviderBrowser(sso_on), "bob")
    assert client.get("/notifications/").status_code == 200
    User.objects.filter(username="bob").update(is_active=False)
    assert client.get("/notifications/")["Location"].startswith("/accounts/login/")

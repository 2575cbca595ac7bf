"""The claims table and the break-glass accounts, edited in the browser by admins, each change audited; the same
refusals on the page as in the service."""

import pytest
from django.contrib.auth.models import User

from audit.models import AuditEvent
from identity.models import BreakGlassAccount, ClaimMapping
from tests.governance.helpers import person
from tests.sso.helpers import role, superuser

pytestmark = pytest.mark.django_db
URL = "/accounts/sso/mappings/"


def test_a_platform_admin_maps_a_provider_group_to_a_role_a_function_and_a_unit_on_the_page(client, units):
    admin = person("platform", "platform_admin")
    client.force_login(admin)
    for data in (
        {"claim_value": "ai-reviewers", "grants": "role", "role": role("review_board").pk},
        {"claim_value": "ai-validators", "grants": "sign_off_function", "function": "validation"},
        {"claim_value": "retail-staff", "grants": "business_unit", "business_unit": units["RETAIL"].pk},
    ):
        response = client.post(URL, {"step": "create", **data})
        assert response.status_code == 302

    page = client.get(URL).content.decode()
    assert "ai-reviewers" in page and "Sign-off: Validation" in page and "Retail" in page
    assert ClaimMapping.objects.count() == 3
    assert AuditEvent.objects.filter(action="sso.mapping_created", actor=admin).count() == 3

    mapping = ClaimMapping.objects.get(claim_value="ai-reviewers")
    client.post(URL, {"step": "delete", "mapping": mapping.pk})
    assert not ClaimMapping.objects.filter(pk=mapping.pk).exists()
    assert AuditEvent.objects.filter(action="sso.mapping_deleted", actor=admin).exists()


def test_only_a_superuser_maps_a_provider_group_to_a_role_that_manages_accounts(client, units):
    client.force_login(person("platform", "platform_admin"))
    response = client.post(
        URL, {"step": "create", "claim_value": "idp-admins", "grants": "role", "role": role("platform_admin").pk}
    )
    assert response.status_code == 200
    assert "only a superuser maps a provider group to it" in response.content.decode()
    assert not ClaimMapping.objects.exists()
    client.force_login(superuser())
    client.post(
        URL, {"step": "create", "claim_value": "idp-admins", "grants": "role", "role": role("platform_admin").pk}
    )
    assert ClaimMapping.objects.filter(claim_value="idp-admins").exists()


def test_a_missing_target_is_named_and_nothing_is_saved(client, units):
    client.force_login(person("platform", "platform_admin"))
    response = client.post(URL, {"step": "create", "claim_value": "idp-x", "grants": "business_unit"})
    assert "choose the business unit" in response.content.decode()
    assert not ClaimMapping.objects.exists()


def test_people_without_the_permission_do_not_see_the_page(client, units):
    client.force_login(person("reader", "executive"))
    assert client.get(URL).status_code == 404
    client.force_login(person("platform", "platform_admin"))
    assert client.post(URL, {"step": "flag", "username": "platform", "reason": "me"}).status_code == 200
    assert not BreakGlassAccount.objects.exists()  # only a superuser flags


def test_a_superuser_flags_and_unflags_a_break_glass_account_on_the_page(client, units):
    root = superuser()
    keeper = User.objects.create_user("glass", password="glass-pass-2026-x")
    client.force_login(root)
    client.post(URL, {"step": "flag", "username": "glass", "reason": "When the provider is down"})
    account = BreakGlassAccount.objects.get(user=keeper)
    assert "When the provider is down" in client.get(URL).content.decode()
    client.post(URL, {"step": "unflag", "account": account.pk})
    assert not BreakGlassAccount.objects.exists()
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="sso.break_glass").order_by("seq")] == [
        "sso.break_glass_flagged",
        "sso.break_glass_unflagged",
    ]

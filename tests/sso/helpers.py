from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone

from core.roles import ROLE_BY_KEY
from governance.models import TrainingRecord
from identity import services
from identity.models import ClaimMapping
from tests.sso.flow import ProviderBrowser, sso_sign_in


def superuser(username: str = "root") -> User:
    return User.objects.create_superuser(username, password="root-pass-2026-long")


def map_claims(units, *, actor=None, unit="RETAIL") -> User:
    """The claims table of the tests: the provider's groups for review board, validation and a unit (Retail)."""
    actor = actor or superuser()
    grants = ClaimMapping.Grants
    services.claim_mapping_create(
        actor=actor, claim_value="idp-review-board", grants=grants.ROLE, role=role("review_board")
    )
    services.claim_mapping_create(
        actor=actor,
        claim_value="idp-sign-validation",
        grants=grants.SIGN_OFF_FUNCTION,
        role=services.function_group("validation"),
    )
    services.claim_mapping_create(
        actor=actor, claim_value="idp-retail", grants=grants.BUSINESS_UNIT, business_unit=units[unit]
    )
    services.claim_mapping_create(
        actor=actor, claim_value="idp-data-science", grants=grants.ROLE, role=role("data_scientist")
    )
    return actor


def role(key: str) -> Group:
    return Group.objects.get(name=ROLE_BY_KEY[key].name)


def trained_signer(client, provider, username: str) -> User:
    """The person signed in through the provider (their account made just in time), with current AI-literacy
    training; `.browser` is their browser at the provider, to re-authenticate with."""
    browser = ProviderBrowser(provider)
    sso_sign_in(client, browser, username)
    user = User.objects.get(username=username)
    today = timezone.localdate()
    TrainingRecord.objects.create(
        user=user, completed_on=today - timedelta(days=3), expires_on=today + timedelta(days=300)
    )
    user.browser = browser
    return user

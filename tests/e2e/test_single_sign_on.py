"""Single sign-on end to end in Chromium against the real OpenID provider of the tests (its own process): a
reviewer signs in through the provider, lands on the review board dashboard their groups map to, and signs a
review, and approves a freeze exemption, by signing in again at the provider."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import review_awaiting_validation
from tests.e2e.test_accessibility import AXE_OPTIONS, BLOCKING
from tests.sso import conftest as sso_fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
sso_provider, sso_on = sso_fixtures.sso_provider, sso_fixtures.sso_on  # the provider, started once per session
MODEL = "personalised-savings-nudges"  # in validation in the demo, medium tier: validation + business sign


def _serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    return [f"{rule['id']}: {rule['help']}" for rule in results.response["violations"] if rule["impact"] in BLOCKING]


def _at_provider(page, provider_base: str) -> None:
    page.wait_for_url(f"{provider_base}/accounts/login/**")
    page.get_by_label("Provider username").fill("alice")
    page.get_by_label("Provider password").fill(sso_fixtures.PASSWORD)
    page.get_by_role("button", name="Sign in at the provider").click()


def _provider_signing(settings, sso_on, live_server) -> str:
    """The claims table maps alice's groups (review board, validation, MRM) and the browser's forms may lead on
    to the provider (a signature's re-authentication). The address of Lodestar to browse: the provider sends the
    browser back to 127.0.0.1, the address registered with it."""
    from portfolio.models import BusinessUnit
    from tests.sso.helpers import map_claims

    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        **policy,
        "DIRECTIVES": {**policy["DIRECTIVES"], "form-action": ["'self'", sso_on.base]},
    }
    map_claims({"MRM": BusinessUnit.objects.get(code="MRM")}, unit="MRM")
    return live_server.url.replace("localhost", "127.0.0.1")


def test_a_reviewer_signs_in_through_the_provider_and_signs_a_review_by_re_authenticating_there(
    page, live_server, demo, sso_on, settings, console_errors, screenshots
):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from governance.models import SignOff, TrainingRecord

    base = _provider_signing(settings, sso_on, live_server)
    _, review = review_awaiting_validation(MODEL)

    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.screenshot(path=str(screenshots / "sso-login.png"), full_page=True)
    assert _serious_violations(page) == []
    page.get_by_role("button", name="Sign in with Example ID").click()
    _at_provider(page, sso_on.base)
    page.wait_for_url(f"{base}/dashboards/review-board/")
    expect(page.locator("h1")).to_contain_text("Review board")

    alice = User.objects.get(username="alice")
    today = timezone.localdate()
    TrainingRecord.objects.create(
        user=alice, completed_on=today - timedelta(days=3), expires_on=today + timedelta(days=300)
    )
    page.goto(f"{base}/governance/reviews/{review.pk}/")
    form = page.get_by_test_id("sign-form")
    expect(page.get_by_test_id("sign-by-provider")).to_be_visible()
    expect(form.locator("input[name=password]")).to_have_count(0)
    form.get_by_label("Sign as").select_option(label="Validation")
    form.get_by_label("Approve", exact=True).check()
    page.screenshot(path=str(screenshots / "sso-sign-form.png"), full_page=True)
    assert _serious_violations(page) == []
    form.get_by_role("button", name="Sign (re-authenticate at the provider)").click()
    _at_provider(page, sso_on.base)  # prompt=login: the provider asks for the password again
    page.wait_for_url(f"{base}/governance/reviews/{review.pk}/")
    expect(page.locator(".flash-success")).to_contain_text("Signed after you re-authenticated")
    page.screenshot(path=str(screenshots / "sso-signed.png"), full_page=True)
    assert SignOff.objects.get(review=review, function="validation").signer == alice
    review.refresh_from_db()
    assert review.status == "approved"
    assert console_errors == []


def test_a_review_board_member_of_the_provider_approves_a_freeze_exemption_by_re_authenticating_there(
    page, live_server, demo, sso_on, settings, console_errors, screenshots
):
    from django.contrib.auth.models import User

    from governance.services import freeze_exemptions
    from tests.e2e.test_freeze_exemption import _approved_version

    base = _provider_signing(settings, sso_on, live_server)
    version, _ = _approved_version()
    exemption = freeze_exemptions.freeze_exemption_request(
        actor=User.objects.get(username="ds"), version=version, reason="Card-testing attack; the fix cannot wait."
    )

    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Sign in with Example ID").click()
    _at_provider(page, sso_on.base)
    page.wait_for_url(f"{base}/dashboards/review-board/")
    page.goto(f"{base}/governance/freeze-exemptions/{exemption.pk}/")
    decide = page.get_by_test_id("freeze-exemption-decide")
    expect(decide.locator("input[name=password]")).to_have_count(0)
    note = page.get_by_test_id("freeze-exemption-signature-note")
    expect(note).to_contain_text("takes you to your identity provider")
    decide.get_by_label("Comment, or the reason for refusing").fill("Agreed: the attack costs more than the risk.")
    page.screenshot(path=str(screenshots / "sso-freeze-exemption-decide.png"), full_page=True)
    assert _serious_violations(page) == []
    decide.get_by_role("button", name="Approve").click()
    _at_provider(page, sso_on.base)  # prompt=login: the provider asks for the password again
    page.wait_for_url(f"{base}/governance/freeze-exemptions/{exemption.pk}/")
    expect(page.locator(".flash-success")).to_contain_text("Approved after you re-authenticated")
    expect(page.get_by_test_id("freeze-exemption-next")).to_be_visible()
    page.screenshot(path=str(screenshots / "sso-freeze-exemption-approved.png"), full_page=True)
    exemption.refresh_from_db()
    assert (exemption.status, exemption.approved_by.username) == ("approved", "alice")
    assert console_errors == []

"""Break-glass for a freeze window in Chromium, on the demo data: production is frozen, so the version page's
checklist shows the freeze gate failing and links to the exemption request; the data scientist asks with a
reason; a review board member approves in their own browser, re-entering their password (a wrong one is refused);
the data scientist then promotes the version during the freeze, which uses the exemption up."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_review_to_production import MODEL, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _approved_version():
    """The demo's version in validation, taken through its review by the services (the browser part of that is
    tests/e2e/test_review_to_production.py), with its production deployment recorded."""
    from django.contrib.auth.models import User

    from governance import demo as governance_demo
    from governance import services as governance
    from governance.models import Review
    from lifecycle import services as lifecycle
    from lifecycle.models import ModelVersion
    from portfolio.demo import DEMO_PASSWORD
    from tests.governance.helpers import FULL_CARD

    users = {u.username: u for u in User.objects.filter(username__in=("ds", "rb", "rb3", "admin"))}
    version = ModelVersion.objects.select_related("model").get(model__name=MODEL, version="1")
    governance.model_card_save(actor=users["ds"], version=version, **FULL_CARD)
    governance_demo.provide_test_evidence(version)
    lifecycle.deployment_record(actor=users["ds"], version=version, environment="production")
    lifecycle.model_version_transition(actor=users["ds"], version=version, to_stage="pending_approval")
    review = Review.objects.get(version=version, status="open")
    for signer, function in (("rb", "validation"), ("rb3", "business")):
        governance.sign_off_record(
            actor=users[signer], review=review, function=function, decision="approve", password=DEMO_PASSWORD
        )
    lifecycle.model_version_transition(actor=users["rb3"], version=version, to_stage="approved")
    now = timezone.now()
    window = lifecycle.freeze_window_create(
        actor=users["admin"], name="Quarter-end close", start=now - timedelta(hours=1), end=now + timedelta(days=2)
    )
    return version, window


def test_an_exemption_requested_and_approved_with_a_password_lets_one_release_through_a_freeze(
    login, live_server, browser, console_errors, screenshots
):
    from lifecycle.models import EmergencyApproval, ModelVersion
    from portfolio.demo import DEMO_PASSWORD

    version, window = _approved_version()
    version_url = f"{live_server.url}/lifecycle/versions/{version.pk}/"

    # The data scientist finds the freeze failing on the checklist and follows its link to the request.
    page = login("ds")
    page.goto(version_url)
    freeze_row = page.locator('[data-gate="outside a freeze window"]')
    expect(freeze_row).to_contain_text("Failed")
    expect(freeze_row).to_contain_text("Quarter-end close")
    freeze_row.get_by_role("link", name="Request a freeze exemption").click()
    page.wait_for_load_state("load")
    form = page.get_by_test_id("freeze-exemption-request")
    form.get_by_role("button", name="Request the exemption").click()  # no reason: refused next to the field
    page.wait_for_load_state("load")
    expect(page.locator("#id_reason_error")).to_contain_text("say why this release cannot wait")
    page.get_by_label("Why this release cannot wait").fill("Card-testing attack on the savings app; fix today.")
    page.get_by_role("button", name="Request the exemption").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("freeze-exemption")).to_contain_text("Card-testing attack")
    exemption = EmergencyApproval.objects.get(version=version)
    assert exemption.status == "requested" and exemption.window == window
    expect(page.get_by_test_id("freeze-exemption-decide")).to_have_count(0)  # the requester cannot decide

    # A review board member decides in their own browser, with their password.
    context = browser.new_context()
    try:
        rb = sign_in(context.new_page(), live_server, "rb")
        rb.goto(f"{live_server.url}/governance/freeze-windows/")
        rb.get_by_test_id("freeze-exemptions").get_by_role("link", name=f"#{exemption.pk}").click()
        rb.wait_for_load_state("load")
        decide = rb.get_by_test_id("freeze-exemption-decide")
        decide.get_by_label("Your password").fill("not-my-password")
        decide.get_by_role("button", name="Approve").click()
        rb.wait_for_load_state("load")
        expect(rb.locator("body")).to_contain_text("the password is wrong")
        exemption.refresh_from_db()
        assert exemption.status == "requested"
        decide = rb.get_by_test_id("freeze-exemption-decide")
        decide.get_by_label("Comment, or the reason for refusing").fill("Agreed: the attack costs more than the risk.")
        decide.get_by_label("Your password").fill(DEMO_PASSWORD)
        decide.get_by_role("button", name="Approve").click()
        rb.wait_for_load_state("load")
        expect(rb.locator(".flash-success")).to_contain_text("Approved")
        expect(rb.get_by_test_id("freeze-exemption-next")).to_be_visible()
        rb.screenshot(path=str(screenshots / "freeze-exemption-approved.png"), full_page=True)
    finally:
        context.close()

    # The data scientist promotes the version during the freeze; the exemption is used up.
    page.goto(version_url)
    expect(page.locator('[data-gate="outside a freeze window"]')).to_contain_text("Passed")
    move = page.get_by_test_id("version-move")
    move.locator("select[name=to]").select_option(label="Production")
    move.get_by_label("Reason").fill("Exempted from the freeze by the review board.")
    move.get_by_role("button", name="Move").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text("is now production")
    assert ModelVersion.objects.get(pk=version.pk).stage == "production"
    exemption.refresh_from_db()
    assert exemption.status == "used" and exemption.used_at is not None
    page.goto(f"{live_server.url}/governance/freeze-exemptions/{exemption.pk}/")
    expect(page.get_by_test_id("freeze-exemption")).to_contain_text("by the move into production")
    page.screenshot(path=str(screenshots / "freeze-exemption-used.png"), full_page=True)
    # The refused request answered 400 on purpose (the form came back with the error next to the field).
    assert [e for e in console_errors if not ("status of 400" in e and "freeze-exemption" in e)] == []

"""The whole review in Chromium on the demo data: a data scientist submits a version for approval, two
reviewers sign in their own browsers (each re-entering their password; a session alone is refused), a
review board member approves it and the data scientist promotes it to production, then downloads the
version's evidence pack, which verifies against the audit trail."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MODEL = "personalised-savings-nudges"  # in validation in the demo, medium tier: validation + business sign


def sign_in(page, live_server, username: str):
    from portfolio.demo import DEMO_PASSWORD

    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    return page


def move(page, to_label: str, reason: str):
    row = page.get_by_test_id("version-table").locator("tbody tr").first
    row.locator("select[name=to]").select_option(label=to_label)
    row.get_by_label("Reason").fill(reason)
    row.get_by_role("button", name="Move").click()
    page.wait_for_load_state("load")


def sign(page, function: str, password: str | None):
    form = page.get_by_test_id("sign-form")
    form.get_by_label("Sign as").select_option(label=function)
    form.get_by_label("Approve", exact=True).check()
    if password is not None:
        form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Sign").click()
    page.wait_for_load_state("load")


def test_a_version_goes_from_submission_through_two_signatures_to_production(
    login, live_server, browser, console_errors, screenshots, tmp_path
):
    from django.contrib.auth.models import User

    from audit.models import AuditEvent
    from governance import demo as governance_demo
    from governance import services as governance
    from governance.models import Review, SignOff
    from lifecycle import services as lifecycle
    from lifecycle.models import ModelVersion
    from portfolio.demo import DEMO_PASSWORD
    from tests.governance.helpers import FULL_CARD

    version = ModelVersion.objects.select_related("model").get(model__name=MODEL, version="1")
    assert version.stage == "in_validation"
    ds = User.objects.get(username="ds")
    # What the data scientist prepared before submitting: the card, the test evidence the tier requires
    # (accepted by the demo's validation reviewer) and where the version will run.
    governance.model_card_save(actor=ds, version=version, **FULL_CARD)
    governance_demo.provide_test_evidence(version)
    lifecycle.deployment_record(actor=ds, version=version, environment="production")

    # The data scientist submits the version in the browser.
    page = login("ds")
    page.goto(f"{live_server.url}/lifecycle/models/{version.model_id}/")
    move(page, "Pending approval", "Ready for review.")
    expect(page.get_by_test_id("version-table")).to_contain_text("Pending approval")
    review = Review.objects.get(version=version, status="open")
    assert review.required_functions == ["validation", "business"]
    review_url = f"{live_server.url}/governance/reviews/{review.pk}/"

    # Two reviewers, each in their own browser context.
    contexts = [browser.new_context(), browser.new_context()]
    try:
        rb, rb3 = (ctx.new_page() for ctx in contexts)
        sign_in(rb, live_server, "rb").goto(review_url)
        expect(rb.get_by_test_id("signature-meaning")).to_contain_text("I approve")

        sign(rb, "Validation", password=None)  # the session alone does not sign
        expect(rb.locator(".flash-error")).to_contain_text("signing needs your password")
        assert not SignOff.objects.filter(review=review).exists()
        assert AuditEvent.objects.filter(action="review.sign_off_refused", target_id=str(review.pk)).exists()

        sign(rb, "Validation", password=DEMO_PASSWORD)
        expect(rb.locator(".flash-success")).to_contain_text("Signed")

        sign_in(rb3, live_server, "rb3").goto(review_url)
        sign(rb3, "Business", password=DEMO_PASSWORD)
        expect(rb3.locator(".flash-success")).to_contain_text("Signed")
        expect(rb3.get_by_test_id("required-functions")).not_to_contain_text("missing")
        review.refresh_from_db()
        assert review.status == "approved"
        signers = dict(SignOff.objects.filter(review=review).values_list("function", "signer__username"))
        assert signers == {"validation": "rb", "business": "rb3"}
        rb3.screenshot(path=str(screenshots / "review-signed.png"), full_page=True)

        # A review board member approves the version after the review.
        rb3.goto(f"{live_server.url}/lifecycle/models/{version.model_id}/")
        move(rb3, "Approved", "Every required function approved.")
        expect(rb3.get_by_test_id("version-table")).to_contain_text("Approved")
    finally:
        for ctx in contexts:
            ctx.close()

    # The data scientist promotes it to production.
    page.goto(f"{live_server.url}/lifecycle/models/{version.model_id}/")
    move(page, "Production", "Approved by the review board.")
    expect(page.locator(".flash-success")).to_contain_text("is now production")
    expect(page.get_by_test_id("version-table").locator("tbody tr").first).to_contain_text("Production")
    version.refresh_from_db()
    assert version.stage == "production"
    page.screenshot(path=str(screenshots / "review-to-production.png"), full_page=True)

    # The evidence pack of the version, downloaded from its governance page, verifies against the trail.
    page.goto(f"{live_server.url}/governance/versions/{version.pk}/card/")
    with page.expect_download() as download:
        page.get_by_test_id("evidence-pack-download").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    out = io.StringIO()
    call_command("verify_evidence_pack", str(path), stdout=out)
    assert "14 files match the manifest and the audit trail" in out.getvalue()
    signed = json.loads(zipfile.ZipFile(path).read("reviews_and_sign_offs.json"))
    assert [s["signer_username"] for s in signed[0]["sign_offs"]] == ["rb", "rb3"]
    assert console_errors == []

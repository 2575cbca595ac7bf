"""The review board's journey in Chromium on the demo data, by clicking only: the queue shows what waits for
each function the reader holds, the review page lists every gate before production with the actual value beside
each threshold, the last signature (with the password) completes the review, and the page then offers the move
and says what the version needs next."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MODEL = "personalised-savings-nudges"  # in validation in the demo, medium tier: validation + business sign


def test_the_board_signs_the_last_function_and_the_review_page_offers_the_move(
    login, live_server, console_errors, screenshots
):
    from portfolio.demo import DEMO_PASSWORD
    from tests.e2e.conftest import review_awaiting_validation

    # What the data scientist prepared and submitted, and the business signature already given.
    version, review = review_awaiting_validation(MODEL)

    page = login("rb")
    page.goto(f"{live_server.url}/governance/reviews/")
    counts = page.get_by_test_id("queue-counts")
    expect(counts).to_contain_text("Validation")
    expect(counts).to_contain_text("Risk")
    validation = page.get_by_test_id("queue-function").filter(has_text="Validation ·")
    expect(validation).to_contain_text(str(version))
    page.screenshot(path=str(screenshots / "review-board-queue.png"), full_page=True)
    validation.get_by_role("link", name=f"#{review.pk}").click()
    page.wait_for_load_state("load")

    # Every gate between the version and production, evaluated now, with the actual value of each threshold.
    checklist = page.get_by_test_id("gate-checklist")
    expect(checklist).to_contain_text("Review complete")
    expect(checklist).to_contain_text("Production deployment recorded")
    auc = version.metrics["auc"]
    expect(checklist.get_by_test_id("thresholds")).to_contain_text(f"{auc:g}")
    review_row = checklist.get_by_test_id("gate-row").filter(has_text="Review complete")
    expect(review_row).to_contain_text("Failed")
    expect(review_row.get_by_role("link", name="Sign on the review")).to_be_visible()
    expect(page.get_by_test_id("review-next-step")).to_contain_text("it still needs the approval of Validation.")

    form = page.get_by_test_id("sign-form")
    form.get_by_label("Sign as").select_option(label="Validation")
    form.get_by_label("Approve", exact=True).check()
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="Sign").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text("Signed")
    review.refresh_from_db()
    assert review.status == "approved"

    # The policy is satisfied: the page offers the move to approved, and says what comes after it.
    move = page.get_by_test_id("move-form-approved")
    expect(move).to_be_visible()
    page.screenshot(path=str(screenshots / "review-board-signed.png"), full_page=True)
    move.get_by_role("button", name="Move to Approved").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text("is now approved")
    version.refresh_from_db()
    assert version.stage == "approved"
    next_step = page.get_by_test_id("review-next-step")
    expect(next_step.get_by_test_id("move-production")).to_contain_text("Not ready for production")
    expect(next_step.get_by_test_id("move-production")).to_contain_text("production deployment recorded")
    expect(next_step.get_by_test_id("move-staging")).to_contain_text("the model's owners")
    page.screenshot(path=str(screenshots / "review-board-approved.png"), full_page=True)
    assert console_errors == []

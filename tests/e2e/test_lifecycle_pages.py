"""Lifecycle in the browser: datasets and lineage, a decommission plan worked from its page, the calendar."""

import pytest
from playwright.sync_api import expect

from lifecycle.models import ConsumerNotice, DecommissionPlan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_data_scientist_follows_lineage_from_a_dataset_to_its_models(login, live_server, console_errors, screenshots):
    page = login("ds")
    page.goto(f"{live_server.url}/lifecycle/datasets/")
    page.get_by_label("Sensitivity").select_option(label="Restricted personal data")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state("load")
    table = page.get_by_test_id("dataset-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    table.get_by_role("link", name="retail.card_transactions", exact=True).click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("privacy")).to_contain_text("Pseudonymisation")
    lineage = page.get_by_test_id("lineage-table")
    expect(lineage.locator("tbody tr").first).to_contain_text("Training")
    page.screenshot(path=str(screenshots / "dataset-detail-ds.png"), full_page=True)
    lineage.locator("tbody tr a").first.click()  # the version that uses it, with the data it was linked to
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("version-data")).to_contain_text("retail.card_transactions")
    assert console_errors == []


def test_the_owner_works_the_decommission_checklist_and_retirement_stays_closed(
    login, live_server, console_errors, screenshots
):
    plan = DecommissionPlan.objects.get(status="announced")
    page = login("ds2")
    page.goto(f"{live_server.url}/lifecycle/decommissions/{plan.pk}/")
    expect(page.get_by_test_id("plan-status")).to_have_text("Announced")
    expect(page.get_by_role("button", name="Retire now")).to_be_disabled()
    missing = page.get_by_test_id("missing")
    expect(missing).to_contain_text("Not yet acknowledged by")

    waiting = ConsumerNotice.objects.filter(plan=plan, acknowledged_at__isnull=True).order_by("consumer__system")
    system = waiting.first().consumer.system
    row = page.get_by_test_id("notice-table").locator("tr", has_text=system)
    row.get_by_label("How they acknowledged").fill("Confirmed on the change board call.")
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("notice-table").locator("tr", has_text=system)).to_contain_text("by ds2")

    checklist = page.get_by_test_id("checklist")
    checklist.get_by_label("Archive SHA-256").fill("not-a-checksum")
    checklist.get_by_role("button", name="Save the checklist").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-error")).to_contain_text("archive_checksum: give the SHA-256")
    checklist.get_by_label("Historical predictions at").fill("s3://predictions/contact-centre/")
    checklist.get_by_label("Archive SHA-256").fill("9f2c1e7a" * 8)
    checklist.get_by_role("button", name="Save the checklist").click()
    page.wait_for_load_state("load")
    expect(missing).not_to_contain_text("Preserve the historical predictions")
    expect(page.get_by_role("button", name="Retire now")).to_be_disabled()
    page.screenshot(path=str(screenshots / "decommission-ds2.png"), full_page=True)
    plan.refresh_from_db()
    assert plan.predictions_location == "s3://predictions/contact-centre/" and plan.status == "announced"
    assert console_errors == []


def test_the_calendar_shows_the_sunset_and_offers_a_feed(login, live_server, console_errors, screenshots):
    plan = DecommissionPlan.objects.get(status="announced")
    page = login("ds2")
    page.goto(f"{live_server.url}/lifecycle/calendar/")
    expect(page.get_by_test_id("calendar-table")).to_contain_text(f"Sunset: {plan.model.name}")
    feed = page.get_by_test_id("feed-url").input_value()
    response = page.request.get(feed)
    assert response.ok and response.headers["content-type"] == "text/calendar"
    assert f"Sunset: {plan.model.name}" in response.text()
    page.screenshot(path=str(screenshots / "calendar-ds2.png"), full_page=True)
    assert console_errors == []

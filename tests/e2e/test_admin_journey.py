"""The platform admin's journey in Chromium on the demo data, by clicking only from the administration
dashboard: record a training, import a learning system's CSV (a bad file first: its rows are named and nothing is
imported), plan a freeze window, create an alert rule, and make a new version of a review policy."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def person_label(user) -> str:
    from governance.forms import PersonChoiceField

    return PersonChoiceField(queryset=None).label_from_instance(user)


def open_from_dashboard(page, live_server, link: str):
    page.goto(f"{live_server.url}/dashboards/administration/")
    page.get_by_test_id("governance-admin").get_by_role("link", name=link).click()
    page.wait_for_load_state("load")


def test_the_admin_records_training_imports_plans_a_freeze_writes_a_rule_and_versions_a_policy(
    login, live_server, console_errors, screenshots
):
    from django.contrib.auth.models import User

    from governance.models import ReviewPolicy, TrainingRecord
    from lifecycle.models import FreezeWindow
    from monitoring.models import AlertRule

    pm, rb2 = User.objects.get(username="pm"), User.objects.get(username="rb2")
    today = timezone.localdate()
    page = login("admin")

    # A single training record.
    open_from_dashboard(page, live_server, "Training records")
    form = page.get_by_test_id("training-form")
    form.get_by_label("Person").select_option(label=person_label(pm))
    form.get_by_label("Completed on").fill(f"{today - timedelta(days=3):%Y-%m-%d}")
    form.get_by_label("Expires on").fill(f"{today - timedelta(days=5):%Y-%m-%d}")  # before completion: refused
    form.get_by_role("button", name="Record the training").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("training-form")).to_contain_text("training expires after it was completed")
    assert not TrainingRecord.objects.filter(user=pm).exists()
    form = page.get_by_test_id("training-form")
    form.get_by_label("Expires on").fill(f"{today + timedelta(days=362):%Y-%m-%d}")
    form.get_by_role("button", name="Record the training").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text("Training of Priya Menon recorded")
    page.screenshot(path=str(screenshots / "admin-training.png"), full_page=True)

    # A CSV from the learning system: one bad row refuses the whole file, then the corrected file imports.
    page.get_by_role("link", name="Import a CSV file from the learning system").click()
    page.wait_for_load_state("load")
    bad = f"email,completed_on,expires_on\n{rb2.email},{today:%Y-%m-%d},{today + timedelta(days=365):%Y-%m-%d}\n"
    bad += "nobody@example.com,2026-01-01,2027-01-01\n"
    page.get_by_label("CSV file from the learning system").set_input_files(
        {"name": "lms-export.csv", "mimeType": "text/csv", "buffer": bad.encode()}
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("import-errors")).to_contain_text("Row 3: email “nobody@example.com” matches no")
    assert not TrainingRecord.objects.filter(user=rb2, completed_on=today).exists()
    page.screenshot(path=str(screenshots / "admin-training-import-refused.png"), full_page=True)
    good = bad.splitlines()[0:2]
    page.get_by_label("CSV file from the learning system").set_input_files(
        {"name": "lms-export.csv", "mimeType": "text/csv", "buffer": "\n".join(good).encode()}
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text("1 training record(s) imported")
    assert TrainingRecord.objects.filter(user=rb2, completed_on=today, source="import lms-export.csv").exists()

    # A freeze window.
    open_from_dashboard(page, live_server, "Freeze windows")
    form = page.get_by_test_id("freeze-form")
    form.get_by_label("Name").fill("Year-end close")
    start = timezone.now() + timedelta(days=20)
    form.get_by_label("Starts (UTC)").fill(f"{start:%Y-%m-%dT09:00}")
    form.get_by_label("Ends (UTC)").fill(f"{start + timedelta(days=14):%Y-%m-%dT18:00}")
    form.get_by_label("Why").fill("Finance closes the books; no model changes in production.")
    form.get_by_role("button", name="Create the freeze window").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text("Year-end close")
    expect(page.get_by_test_id("freeze-upcoming")).to_contain_text("Year-end close")
    assert FreezeWindow.objects.filter(name="Year-end close").exists()
    page.screenshot(path=str(screenshots / "admin-freeze-windows.png"), full_page=True)

    # An alert rule.
    open_from_dashboard(page, live_server, "Alert rules")
    page.get_by_test_id("new-rule").click()
    page.wait_for_load_state("load")
    form = page.get_by_test_id("alert-rule-form")
    form.get_by_label("Name").fill("Latency p95 above 800 ms, retail")
    form.get_by_label("Metric").select_option(label="latency_p95_ms")
    form.get_by_label("Watches").select_option(label="All models of a business unit")
    form.get_by_label("Business unit").select_option(label="Retail Banking")
    form.get_by_label("Condition").select_option(label="Above a threshold")
    form.get_by_label("Threshold").fill("800")
    form.get_by_label("Severity").select_option(label="Warning")
    form.get_by_role("button", name="Create the rule").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text("Latency p95 above 800 ms, retail")
    assert AlertRule.objects.filter(name="Latency p95 above 800 ms, retail", business_unit__code="RETAIL").exists()
    page.screenshot(path=str(screenshots / "admin-alert-rules.png"), full_page=True)

    # A new version of the high tier's review policy that promotes on approval.
    before = ReviewPolicy.objects.filter(tier="high").order_by("-version").first()
    open_from_dashboard(page, live_server, "Review policies")
    page.get_by_role("button", name="New version of the high policy").click()
    page.wait_for_load_state("load")
    form = page.get_by_test_id("policy-form")
    form.get_by_label("Move the version to approved on the last signature").check()
    form.get_by_label("Why the policy changes").fill("The board asked that complete reviews move at once.")
    page.screenshot(path=str(screenshots / "admin-policy-form.png"), full_page=True)
    form.get_by_role("button", name="Save as a new version").click()
    page.wait_for_load_state("load")
    expect(page.locator(".flash-success")).to_contain_text(f"v{before.version + 1}")
    current = page.get_by_test_id("policy-tier-high").get_by_test_id("policy-current")
    expect(current).to_contain_text(f"v{before.version + 1}")
    new = ReviewPolicy.objects.get(tier="high", version=before.version + 1)
    assert new.promote_on_approval and new.required_functions == before.required_functions
    before.refresh_from_db()
    assert not before.promote_on_approval  # the earlier version is untouched
    page.screenshot(path=str(screenshots / "admin-review-policies.png"), full_page=True)
    # The two refused forms answer 400 (the browser logs it); nothing else went wrong.
    refused = [e for e in console_errors if "status of 400" in e]
    assert len(refused) == 2 and "/governance/training/" in refused[0] and "/training/import/" in refused[1]
    assert [e for e in console_errors if e not in refused] == []

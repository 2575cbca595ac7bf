"""Platform admin, in the browser: from the landing page to the audit trail, the checkpoint status, and a
verification on demand whose result the page shows and the trail records."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_platform_admin_verifies_the_audit_trail_from_the_page(login, console_errors, screenshots):
    from audit import anchors
    from audit.models import AuditEvent

    anchors.write_checkpoint()
    page = login("admin")
    page.get_by_role("link", name="The whole trail").click()
    panel = page.get_by_test_id("audit-integrity")
    expect(panel.get_by_test_id("checkpoint-status")).to_contain_text("Up to date")
    expect(panel.get_by_test_id("last-verification")).to_contain_text("never")

    page.get_by_test_id("verify-now").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("status").first).to_contain_text("Audit trail intact")
    result = page.get_by_test_id("last-verification")
    expect(result).to_contain_text("Intact")
    admin = AuditEvent.objects.get(action="audit.verified").actor
    expect(result).to_contain_text(f"by {admin.get_full_name()}")
    page.screenshot(path=str(screenshots / "audit-integrity-admin.png"), full_page=True)
    assert console_errors == []

"""Use cases in the browser: propose one, see only what one may see, filter the list with htmx."""

import re

import pytest
from playwright.sync_api import expect

from portfolio.models import UseCase
from tests.e2e.conftest import path_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def rows(page):
    return page.locator("#usecase-table tbody tr")


def test_pm_proposes_a_use_case_and_lands_on_its_page(login, live_server, console_errors, screenshots):
    page = login("pm")
    page.goto(f"{live_server.url}/portfolio/use-cases/new/")
    page.screenshot(path=str(screenshots / "usecase-form-pm.png"), full_page=True)

    page.get_by_label("Title", exact=True).fill("Branch queue forecasting")
    page.get_by_label("Business unit", exact=True).select_option(label="OPS · Group Operations")
    page.get_by_label("Problem statement").fill("Branch staffing is planned on last year's averages.")
    page.get_by_label("Estimated annual value").fill("1250000")
    page.get_by_label("Estimated annual cost").fill("300000")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_load_state("load")

    created = UseCase.objects.get(title="Branch queue forecasting")
    assert path_of(page.url) == f"/portfolio/use-cases/{created.pk}/"
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^UC-0\d\d · Branch queue forecasting$"))
    expect(heading).to_contain_text(created.code)
    expect(page.get_by_role("status")).to_contain_text(f"{created.code} “Branch queue forecasting” was proposed.")
    expect(page.locator("dd", has_text="OPS · Group Operations")).to_be_visible()
    assert created.business_unit.code == "OPS"
    assert created.estimated_value == 1_250_000 and created.estimated_cost == 300_000
    assert created.owner.username == "pm" and not created.confidential
    page.screenshot(path=str(screenshots / "usecase-detail-pm.png"), full_page=True)
    assert console_errors == []


def test_an_empty_title_is_refused_and_nothing_is_created(login, live_server, screenshots):
    page = login("pm")
    before = UseCase.objects.count()
    page.goto(f"{live_server.url}/portfolio/use-cases/new/")
    page.get_by_label("Business unit", exact=True).select_option(label="RETAIL · Retail Banking")
    page.get_by_label("Estimated annual value").fill("1000")
    page.get_by_role("button", name="Propose").click()
    page.wait_for_load_state("load")

    assert path_of(page.url) == "/portfolio/use-cases/new/"
    # The error belongs to the title field (Django ties it with aria-describedby), and what was entered is kept.
    expect(page.locator("#id_title_error")).to_have_text("This field is required.")
    expect(page.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".errorlist")).to_have_count(1)
    expect(page.get_by_label("Estimated annual value")).to_have_value("1000")
    assert UseCase.objects.count() == before
    page.screenshot(path=str(screenshots / "usecase-form-error-pm.png"), full_page=True)


PAGE_SIZE = 25  # the list's page size


def _visible_to(username):
    from django.contrib.auth.models import User

    return UseCase.objects.restrict(User.objects.get(username=username), "view")


def test_ds_does_not_see_confidential_use_cases_of_other_units(login, live_server, console_errors, screenshots):
    page = login("ds")
    page.goto(f"{live_server.url}/portfolio/use-cases/")

    table = page.locator("#usecase-table")
    expect(table).to_contain_text("Collections next-best-action")  # confidential, RETAIL: ds is a member
    expect(table).to_contain_text("Trade document extraction")  # CORP, not confidential
    expect(table).not_to_contain_text("Covenant breach prediction")  # confidential, CORP
    expect(rows(page)).to_have_count(min(PAGE_SIZE, _visible_to("ds").count()))
    page.screenshot(path=str(screenshots / "usecase-list-ds.png"), full_page=True)
    assert console_errors == []

    # The detail page is closed too, not only the list.
    hidden = UseCase.objects.get(title="Covenant breach prediction")
    response = page.goto(f"{live_server.url}/portfolio/use-cases/{hidden.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Page not found")).to_be_visible()
    expect(page.locator("#usecase-table")).to_have_count(0)
    page.screenshot(path=str(screenshots / "not-found-ds.png"), full_page=True)


def test_status_filter_narrows_the_table_without_a_reload(login, live_server, console_errors, screenshots):
    UseCase.objects.filter(status="assessing").update(status="proposed")
    UseCase.objects.filter(title__in=["Card fraud early warning", "Invoice matching assistant"]).update(
        status="assessing"
    )
    page = login("pm")
    page.goto(f"{live_server.url}/portfolio/use-cases/")
    everything = min(PAGE_SIZE, _visible_to("pm").count())
    expect(rows(page)).to_have_count(everything)
    page.evaluate("window.__noReload = true")  # lost if the page reloads

    with page.expect_response(lambda r: "/portfolio/use-cases/" in r.url and r.request.headers.get("hx-request")):
        page.locator("select[name=status]").select_option("assessing")

    expect(rows(page)).to_have_count(2)
    table = page.locator("#usecase-table")
    expect(table).to_contain_text("Card fraud early warning")
    expect(table).to_contain_text("Invoice matching assistant")
    expect(table).not_to_contain_text("Mortgage pre-approval triage")
    assert page.evaluate("window.__noReload") is True
    # The page around the table is still there (the partial did not replace the whole body) ...
    expect(page.get_by_role("heading", level=1, name="Use cases")).to_have_count(1)
    expect(page.locator("form.filters")).to_have_count(1)
    # ... and the filter is in the address bar, so the view can be shared.
    assert "status=assessing" in page.url
    page.screenshot(path=str(screenshots / "usecase-list-filtered-pm.png"), full_page=True)

    # "Any status" lifts the filter again.
    with page.expect_response(lambda r: "/portfolio/use-cases/" in r.url and r.request.headers.get("hx-request")):
        page.locator("select[name=status]").select_option("")
    expect(rows(page)).to_have_count(everything)
    assert page.evaluate("window.__noReload") is True
    assert console_errors == []


def test_a_status_link_from_the_dashboard_opens_the_filtered_list(login, live_server):
    UseCase.objects.filter(status="assessing").update(status="proposed")
    UseCase.objects.filter(title="Card fraud early warning").update(status="assessing")
    page = login("pm")
    page.get_by_role("link", name="Assessing").click()
    page.wait_for_load_state("load")
    assert path_of(page.url) == "/portfolio/use-cases/?status=assessing"
    expect(rows(page)).to_have_count(1)
    expect(page.locator("select[name=status]")).to_have_value("assessing")


@pytest.mark.parametrize(("username", "status"), [("exec", 200), ("admin", 200), ("pm", 403), ("ds", 403)])
def test_audit_trail_opens_for_exec_and_admin_only(username, status, login, live_server, screenshots):
    page = login(username)
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == status
    if status == 200:
        expect(page.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()
        page.screenshot(path=str(screenshots / f"audit-{username}.png"), full_page=True)
    else:
        expect(page.get_by_text("You do not have access to this page")).to_be_visible()
        # The footer does not point them to a page they cannot open (the API documentation they may).
        expect(page.locator("footer.site-footer a[href='/audit/']")).to_have_count(0)
        expect(page.locator("footer.site-footer")).to_contain_text("audit trail")
        page.screenshot(path=str(screenshots / f"forbidden-audit-{username}.png"), full_page=True)

"""The header in Chromium at 1280 px: one row, the grouped menu opens by mouse and by keyboard, the search
answers; a screenshot of the header with a menu open is kept for two roles."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import path_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1280


def _header_fits_one_row(page):
    box = page.locator("header.site-header").bounding_box()
    assert box["height"] < 80, f"the header wraps: {box['height']} px tall"
    tops = page.evaluate(
        """() => Array.from(document.querySelectorAll('header.site-header nav > ul > li'))
                 .map(li => Math.round(li.getBoundingClientRect().top))"""
    )
    assert max(tops) - min(tops) <= 8, tops
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= WIDTH, f"the page scrolls sideways: {scroll} px wide"


@pytest.mark.parametrize(
    ("username", "group", "entry", "absent"),
    [
        ("ds", "Models", "Register from MLflow", "Admin"),
        ("admin", "Admin", "Audit trail", None),
    ],
)
def test_menu_opens_on_one_row(username, group, entry, absent, login, live_server, console_errors, screenshots):
    page = login(username)
    page.set_viewport_size({"width": WIDTH, "height": 720})
    page.reload()
    _header_fits_one_row(page)
    menu = page.locator(f"[data-testid=menu-{group.lower()}]")
    if absent:
        expect(page.locator(f"[data-testid=menu-{absent.lower()}]")).to_have_count(0)

    menu.locator("summary").click()
    link = menu.get_by_role("link", name=entry, exact=True)
    expect(link).to_be_visible()
    page.screenshot(
        path=str(screenshots / f"header-menu-{username}.png"), clip={"x": 0, "y": 0, "width": WIDTH, "height": 460}
    )

    # Escape closes it and leaves the focus on its title; Enter opens it again, Tab reaches its entries.
    page.keyboard.press("Escape")
    expect(link).to_be_hidden()
    page.keyboard.press("Enter")
    expect(link).to_be_visible()
    # A click anywhere else closes it.
    page.mouse.click(WIDTH // 2, 600)
    expect(link).to_be_hidden()

    menu.locator("summary").click()
    link.click()
    page.wait_for_load_state("load")
    expect(page.locator("h1").first).to_be_visible()
    assert console_errors == []


def test_search_from_the_header(login, live_server, console_errors, screenshots):
    page = login("pm")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    box = page.get_by_test_id("site-search")
    box.fill("UC-001")
    box.press("Enter")
    page.wait_for_load_state("load")
    assert path_of(page.url).startswith("/search/?q=UC-001")
    results = page.get_by_test_id("search-use-cases")
    expect(results).to_contain_text("UC-001")
    page.screenshot(path=str(screenshots / "search-pm.png"), full_page=True)
    results.get_by_role("link").first.click()
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("breadcrumbs")).to_contain_text("Use cases")
    assert console_errors == []

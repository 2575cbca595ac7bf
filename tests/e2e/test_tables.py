"""List tables in the browser: a click on a column header sorts by it (again: reversed), the filters and the
export follow the sort, and a wide table scrolls inside its box on a narrow screen, not the page."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _titles(page) -> list[str]:
    return page.locator("#usecase-table tbody tr td:nth-child(2)").all_inner_texts()


def test_clicking_a_header_sorts_the_list_and_the_export_follows(login, live_server, console_errors, screenshots):
    page = login("pm")
    page.goto(f"{live_server.url}/portfolio/use-cases/")
    header = page.get_by_role("columnheader", name="Title")
    expect(header).not_to_have_attribute("aria-sort", "ascending")

    header.get_by_role("link").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("columnheader", name="Title")).to_have_attribute("aria-sort", "ascending")
    titles = [t.replace("confidential", "").strip() for t in _titles(page)]
    assert len(titles) > 3 and titles == sorted(titles, key=str.lower)

    page.get_by_role("columnheader", name="Title").get_by_role("link").click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("columnheader", name="Title")).to_have_attribute("aria-sort", "descending")
    backwards = [t.replace("confidential", "").strip() for t in _titles(page)]
    assert backwards == sorted(backwards, key=str.lower, reverse=True) and backwards[0].lower() > titles[-1].lower()
    # The next page goes on in the same order.
    expect(page.get_by_role("link", name="Next →")).to_have_attribute("href", "?sort=-title&page=2")
    assert page.get_by_test_id("export-csv").get_attribute("href") == "?sort=-title&format=csv"
    page.screenshot(path=str(screenshots / "usecase-list-sorted.png"), full_page=True)

    # A narrow screen: the table scrolls inside its box; nothing of the page's content runs past its edge.
    page.set_viewport_size({"width": 420, "height": 800})
    page.goto(f"{live_server.url}/lifecycle/models/?sort=-versions")
    beyond = page.evaluate(
        """() => [...document.querySelectorAll("main *")].filter(el => !el.closest(".table-wrap"))
                 .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                 .map(el => el.tagName)"""
    )
    assert beyond == []
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    page.screenshot(path=str(screenshots / "model-list-narrow.png"), full_page=True)
    assert console_errors == []

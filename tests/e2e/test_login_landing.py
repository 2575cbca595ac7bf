"""Sign in as each role, land on the right dashboard, sign out."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LANDINGS, path_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", list(LANDINGS))
def test_each_role_lands_on_its_dashboard(username, login, live_server, console_errors, screenshots):
    url, heading = LANDINGS[username]
    page = login(username)

    expect(page).to_have_url(f"{live_server.url}{url}")
    expect(page.get_by_test_id("dashboard-heading")).to_have_text(heading)
    expect(page.get_by_test_id("current-user")).not_to_be_empty()
    # Pico and Lodestar's CSS came from our own static files: the header has its dark band.
    band = page.locator("header.site-header").evaluate("el => getComputedStyle(el).backgroundColor")
    assert band == "rgb(27, 42, 65)", band
    # htmx came from our static files and ran despite the CSP (no inline script).
    assert page.evaluate("typeof window.htmx") == "object"

    page.screenshot(path=str(screenshots / f"landing-{username}.png"), full_page=True)
    assert console_errors == []


def test_current_user_shows_the_full_name(login):
    page = login("pm")
    expect(page.get_by_test_id("current-user")).to_have_text("Priya Menon")


def test_review_board_member_sees_what_waits_for_the_functions_they_hold(login):
    page = login("rb")
    expect(page.get_by_text("you hold no sign-off function yet")).to_have_count(0)
    queue = page.get_by_test_id("queue")
    expect(queue.get_by_role("heading")).to_contain_text("as Risk, Validation")
    from django.contrib.auth.models import User

    from governance.selectors import review_queue_rows

    waiting = review_queue_rows(user=User.objects.get(username="rb"))
    if waiting:
        expect(queue.locator("tbody tr")).to_have_count(len(waiting))
        expect(queue.locator("tbody tr").first).to_contain_text(str(waiting[0].review.version))
    else:
        expect(queue).to_contain_text("Nothing waits for a function you hold.")
    expect(page.get_by_test_id("decisions")).to_contain_text("approvals since")


def test_wrong_password_shows_an_error(login, live_server, console_errors, screenshots):
    page = login("pm", password="not-the-password")

    assert path_of(page.url).startswith("/accounts/login/")
    expect(page.get_by_role("alert")).to_contain_text(re.compile("correct username and password", re.I))
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    # What was typed stays, the password does not.
    expect(page.locator("input[name=username]")).to_have_value("pm")
    expect(page.locator("input[name=password]")).to_have_value("")
    page.screenshot(path=str(screenshots / "login-wrong-password.png"), full_page=True)
    assert console_errors == []


def test_sign_out_returns_to_login_and_home_needs_login_again(login, live_server):
    page = login("exec")
    expect(page.get_by_test_id("dashboard-heading")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    assert path_of(page.url).startswith("/accounts/login/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    page.goto(f"{live_server.url}/")
    assert path_of(page.url) == "/accounts/login/?next=/"
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_count(0)


def test_api_docs_open_from_the_menu_under_the_csp(login, live_server, console_errors, screenshots):
    page = login("pm")
    page.get_by_role("link", name="API", exact=True).click()
    page.wait_for_load_state("load")
    assert path_of(page.url) == "/api/docs/"
    # Swagger UI is drawn by scripts from our static files (the split view: no inline script).
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Lodestar API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    page.screenshot(path=str(screenshots / "api-docs-pm.png"))
    assert console_errors == []

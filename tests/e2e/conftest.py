"""Browser tests: Chromium (Debian's, not a Playwright download) against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a thread
with a running loop unless told it is safe, which it is here (one thread, no async code).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# Each demo user, the dashboard `/` sends them to, and its heading.
LANDINGS = {
    "exec": ("/dashboards/executive/", "Executive portfolio"),
    "pm": ("/dashboards/program/", "Program management"),
    "rb": ("/dashboards/review-board/", "Review board"),
    "ds": ("/dashboards/data-science/", "Data science"),
    "admin": ("/dashboards/administration/", "Platform administration"),
}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def demo(transactional_db):
    """The demo data set (users pm, ds, rb, rb2, exec, admin; four units; eight use cases).

    Modules mark their tests django_db(transaction=True): the live server reads the data from another
    thread, so it must be committed. The test-only flush restores the role groups between tests."""
    from django.contrib.auth.models import Group

    from dashboards import demo as demo_data

    assert Group.objects.exists(), "role groups missing: the test-only flush should have restored them"
    demo_data.seed()
    return demo_data


@pytest.fixture
def console_errors(page):
    """Console errors and uncaught exceptions of the page; a missing favicon is not an error."""
    errors: list[str] = []

    def on_console(msg):
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if "favicon" in where or "favicon" in msg.text:
            return
        errors.append(f"{msg.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    return errors


@pytest.fixture
def login(page, live_server, demo):
    """Sign in through the form, as a person would. Returns the page, now on the user's landing."""
    from portfolio.demo import DEMO_PASSWORD

    def sign_in(username: str, password: str = DEMO_PASSWORD):
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        return page

    return sign_in


def review_awaiting_validation(model_name: str):
    """A demo version its data scientist documented and submitted, with the business signature already given: its
    open review waits for validation only. Returns (version, review)."""
    from django.contrib.auth.models import User

    from governance import demo as governance_demo
    from governance import services as governance
    from governance.models import Review
    from lifecycle import services as lifecycle
    from lifecycle.models import ModelVersion
    from portfolio.demo import DEMO_PASSWORD
    from tests.governance.helpers import FULL_CARD

    version = ModelVersion.objects.select_related("model").get(model__name=model_name, version="1")
    ds, rb3 = User.objects.get(username="ds"), User.objects.get(username="rb3")
    governance.model_card_save(actor=ds, version=version, **FULL_CARD)
    governance_demo.provide_test_evidence(version)
    lifecycle.model_version_transition(actor=ds, version=version, to_stage="pending_approval", reason="Ready.")
    review = Review.objects.get(version=version, status="open")
    governance.sign_off_record(
        actor=rb3, review=review, function="business", decision="approve", password=DEMO_PASSWORD
    )
    return version, review


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)

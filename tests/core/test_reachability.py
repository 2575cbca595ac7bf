"""No orphan pages: every page of the URL conf is reachable by clicking from some role's landing page.

For each demo user the test signs in, opens `/` (which sends them to their landing dashboard) and follows every
<a href> (and GET form) breadth-first, as a person clicking would, resolving each link to its URL pattern's name.
The patterns reached by all the roles together must cover every page of the URL conf that answers a GET, apart
from the reviewed exemptions below. A page added without a link fails here, by its name.
"""

from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

# Routes no click needs to reach, each with the reason. Besides these, a page whose view answers no GET (a
# class-based view without `get`: the target of a form's POST) is exempt on its own, as it cannot be opened.
EXEMPT_PREFIXES: dict[str, str] = {
    "api/": "the REST API, its schema and Swagger UI: for programs, enumerated from the OpenAPI schema "
    "(tests/hostile); the footer links the API documentation",
    "admin/": "Django's admin: staff tooling behind its own permission checks; the Admin menu links its index",
}
EXEMPT_NAMES: dict[str, str] = {
    "health": "the liveness probe for load balancers (JSON, no page)",
    "login": "the signed-out landing: where `/` and every page send an anonymous visitor",
    "logout": "POST only: the header's Sign out button",
    "notifications:mark_read": "POST only (a function view): the inbox's Mark read form",
    "lifecycle:calendar_feed": "an iCalendar feed for calendar apps, reached by its secret token",
    "monitoring:unit_economics_csv": "a CSV download (the cost page links it)",
    "governance:evidence_pack_zip": "a ZIP download (the evidence pack page links it)",
    "governance:model_card_markdown": "a Markdown download (the model card page links it)",
    "compliance:evidence_file": "a file download (the evidence list links it)",
    "identity:sso_login": "the login page's Sign in with the provider button, shown only when single sign-on is on",
    "identity:sso_callback": "where the identity provider sends the browser back after sign-in",
    "identity:reauth_callback": "where the identity provider sends a signer back after re-authenticating",
}
# Query parameters that turn a page into a download: counted as reached, not fetched.
DOWNLOAD_PARAMS = ("export", "format")
# The demo users whose landings the crawl starts from: every role of the demo.
CRAWLERS = ("pm", "ds", "rb", "rb2", "exec", "admin")
# Detail pages repeat one pattern per record: a few records of each are enough to see where they link.
PER_PATTERN = 3


def _patterns(patterns=None, prefix="", namespace=""):
    """(name, route, callback) of every URL pattern of the project."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", route, pattern.callback


def _answers_get(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return True  # a function view: exempt it by name if it takes POST only
    return "get" in view_class.http_method_names and hasattr(view_class, "get")


def page_patterns() -> set[str]:
    """The names of the pages a person may open: every pattern but the exempt ones and POST-only targets."""
    return {
        name
        for name, route, callback in _patterns()
        if not route.startswith(tuple(EXEMPT_PREFIXES)) and name not in EXEMPT_NAMES and _answers_get(callback)
    }


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        # Submitting a GET form (the header's search) is a click too; a POST form is not followed.
        if tag == "form" and (attrs.get("method") or "get").lower() == "get" and attrs.get("action"):
            self.hrefs.append(attrs["action"])


def _name_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def crawl(client: Client) -> tuple[set[str], list[str], list[str]]:
    """The pattern names reached from `/` by following links, and the links that answered a server error."""
    reached: set[str] = set()
    broken: list[str] = []
    dashed_choices: list[str] = []
    seen_paths: set[str] = set()
    visits: dict[str, int] = {}
    queue = deque([("/", "the sign-in redirect")])
    while queue:
        url, source = queue.popleft()
        parts = urlsplit(url)
        name = _name_of(parts.path)
        if name is None:
            continue
        reached.add(name)
        if (
            parts.path in seen_paths
            or parts.path.startswith(tuple(f"/{p}" for p in EXEMPT_PREFIXES))
            or name in EXEMPT_NAMES
            or any(key in parse_qs(parts.query) for key in DOWNLOAD_PARAMS)
            or visits.get(name, 0) >= PER_PATTERN
        ):
            continue
        seen_paths.add(parts.path)
        visits[name] = visits.get(name, 0) + 1
        response = client.get(url)
        if response.status_code >= 500:
            broken.append(f"{url} (linked from {source}) answered {response.status_code}")
            continue
        if response.status_code in (301, 302):
            queue.append((urljoin(url, response["Location"]), url))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        if ">---------<" in page:
            dashed_choices.append(url)
        parser = _Links()
        parser.feed(page)
        for href in parser.hrefs:
            target = urlsplit(urljoin(url, href))
            if target.scheme not in ("", "http") or target.netloc not in ("", "testserver"):
                continue  # another site
            queue.append((target.path + (f"?{target.query}" if target.query else ""), url))
    return reached, broken, dashed_choices


@pytest.fixture
def demo_world(db):
    from dashboards import demo

    demo.seed()


def test_every_page_is_reachable_by_clicking_from_some_landing(demo_world):
    reached: dict[str, set[str]] = {}
    broken: list[str] = []
    dashed_choices: set[str] = set()
    for username in CRAWLERS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        reached[username], errors, dashes = crawl(client)
        broken += [f"as {username}: {error}" for error in errors]
        dashed_choices.update(dashes)
    everyone = set().union(*reached.values())
    orphans = sorted(page_patterns() - everyone)
    assert not orphans, (
        "pages no role reaches by clicking from its landing page (link each from a menu entry in "
        "core/navigation.py or from a page that leads to it, or exempt it in tests/core/test_reachability.py "
        "with the reason):\n" + "\n".join(f"  {name}" for name in orphans)
    )
    assert not broken, "links that answer a server error:\n" + "\n".join(broken)
    # A select says what to choose, not Django's "---------" (templates/django/forms/widgets/select_option.html).
    assert not dashed_choices, "pages with a '---------' choice:\n" + "\n".join(sorted(dashed_choices))


def test_post_only_targets_and_downloads_are_not_required_pages():
    """The exemptions hold: form targets and downloads are left out, the pages around them are not."""
    pages = page_patterns()
    assert "portfolio:usecase_transition" not in pages  # a form's POST target
    assert "monitoring:unit_economics_csv" not in pages
    assert {"portfolio:usecase_detail", "monitoring:sync_run_list", "lifecycle:version_list"} <= pages
    assert not any(name.startswith("admin:") for name in pages)

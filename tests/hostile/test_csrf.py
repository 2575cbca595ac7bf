"""T06: CSRF on every unsafe API operation and every page, with a signed-in session and no token.

Generated from the OpenAPI schema and the URL resolver: a new form or operation is covered on arrival.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .policy import EXCLUDED_ROUTES
from .surface import api_operations, pages

UNSAFE = ("post", "put", "patch", "delete")
WRITES = [op for op in api_operations() if not op.safe]
PAGE_LIST = pages(tuple(EXCLUDED_ROUTES))
# Operations that use no cookie, so a forged cross-site request carries nothing ambient; each with its reason.
CSRF_NOT_APPLICABLE = {
    "auth_token_create": "exchanges a username and password sent in the body for a token; no session involved",
    "hooks_mlflow_create": "MLflow's webhook, authenticated by its HMAC signature; no session involved",
}
# Files allowed to mention csrf_exempt, each with the reason (none today).
CSRF_EXEMPT_ALLOWLIST: dict[str, str] = {}
PROJECT_PACKAGES = (
    "config",
    "core",
    "audit",
    "notifications",
    "portfolio",
    "lifecycle",
    "governance",
    "compliance",
    "sourcing",
    "monitoring",
    "dashboards",
)


@pytest.fixture
def session(make_user, units):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("csrf_victim", "program_manager", "data_scientist", units=(units["RETAIL"],)))
    return client


def test_every_unsafe_api_operation_refuses_a_session_call_without_a_token(session):
    passed = []
    for op in WRITES:
        if op.operation_id in CSRF_NOT_APPLICABLE:
            continue
        response = getattr(session, op.method.lower())(op.url(1), data="{}", content_type="application/json")
        if response.status_code != 403 or b"CSRF" not in response.content:
            passed.append(f"{op}: {response.status_code} {response.content[:120]!r}")
    assert not passed, "unsafe operations accepted without a CSRF token:\n" + "\n".join(passed)
    print(f"\nT06: {len(WRITES) - len(CSRF_NOT_APPLICABLE)} API operations refused without a token")


def test_every_page_refuses_every_unsafe_method_without_a_token(session):
    passed = []
    for page in PAGE_LIST:
        for method in UNSAFE:
            response = getattr(session, method)(page.url(1))
            if response.status_code != 403:
                passed.append(f"{method.upper()} {page}: {response.status_code}")
    assert not passed, "pages that accepted an unsafe request without a CSRF token:\n" + "\n".join(passed)
    print(f"T06: {len(PAGE_LIST)} pages x {len(UNSAFE)} methods refused without a token")


def test_the_token_is_what_makes_the_difference(session):
    """The refusals above are CSRF's: the same request with the token goes through."""
    session.get(reverse("notifications:inbox"))
    token = session.cookies[settings.CSRF_COOKIE_NAME].value
    assert session.post(reverse("notifications:mark_read")).status_code == 403
    assert session.post(reverse("notifications:mark_read"), {"csrfmiddlewaretoken": token}).status_code == 302


def test_a_cross_origin_post_is_refused_even_with_a_token(session):
    session.get(reverse("notifications:inbox"))
    token = session.cookies[settings.CSRF_COOKIE_NAME].value
    response = session.post(
        reverse("notifications:mark_read"), {"csrfmiddlewaretoken": token}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403


def test_signing_in_needs_a_token_even_when_anonymous(db):
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_csrf_exempt_appears_nowhere_outside_the_allowlist():
    root = Path(settings.BASE_DIR)
    found = sorted(
        str(path.relative_to(root))
        for package in PROJECT_PACKAGES
        for path in (root / package).rglob("*.py")
        if re.search(r"csrf_exempt|CSRF_TRUSTED_ORIGINS\s*=\s*\[\s*['\"]\*", path.read_text(encoding="utf-8"))
    )
    unexpected = [f for f in found if f not in CSRF_EXEMPT_ALLOWLIST]
    assert not unexpected, f"csrf_exempt in {unexpected}: remove it, or allowlist it here with the reason"
    assert (root / "portfolio" / "views.py").exists()  # the scan looks where the code is

"""T01 (deploy configuration: headers and cookies under production settings) and T07 (session lifecycle).

`manage.py check --deploy --fail-level WARNING` under production settings is tested in
tests/core/test_api_shell.py; T07 checks 1 and 3 to 7 live in tests/core/test_auth.py (login rotates the
session, logout kills the old cookie on replay, 30-minute idle and 12-hour absolute timeouts, a password change
ends other sessions, next= to another host is refused). Here: what those leave out.
"""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings
from django.test import Client
from django.urls import reverse

from .world import PASSWORD

# Runs under config.settings.production in a child process: the response headers and cookie settings it gives.
PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
# Static files are collected at build time (manifest storage); the probe renders without the manifest.
simple = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
plain_static = {**settings.STORAGES, "staticfiles": simple}
with override_settings(STORAGES=plain_static):
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    plain = Client().get("/accounts/login/")
csrf = response.cookies[settings.CSRF_COOKIE_NAME]
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "plain_http": [plain.status_code, plain.headers.get("Location", "")],
    "csrf_cookie": {"secure": bool(csrf["secure"]), "httponly": bool(csrf["httponly"]), "samesite": csrf["samesite"]},
    "session_cookie": [
        settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE
    ],
    "silenced": settings.SILENCED_SYSTEM_CHECKS,
    "debug": settings.DEBUG,
}))
"""


def _production_probe() -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": "sqlite://:memory:",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_answers_with_every_security_header_and_secure_cookies():
    probe = _production_probe()
    headers = {k.lower(): v for k, v in probe["headers"].items()}
    assert probe["status"] == 200 and probe["debug"] is False
    hsts = dict(
        part.strip().partition("=")[::2] for part in headers["strict-transport-security"].split(";") if part.strip()
    )
    assert int(hsts["max-age"]) >= 31536000 and "includeSubDomains" in hsts
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert probe["plain_http"][0] == 301 and probe["plain_http"][1].startswith("https://")
    assert probe["csrf_cookie"]["secure"] and probe["csrf_cookie"]["httponly"]
    assert probe["session_cookie"] == [True, True, "Lax"]
    assert probe["silenced"] == []


def test_login_rotates_the_csrf_token(units, make_user):
    """T07 check 2: a token planted before sign-in (login CSRF, session fixation) is worthless afterwards."""
    make_user("rotating", "program_manager", units=(units["RETAIL"],), password=PASSWORD)
    client = Client()
    client.get(reverse("login"))
    before = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert client.post(reverse("login"), {"username": "rotating", "password": PASSWORD}).status_code == 302
    assert client.cookies[settings.CSRF_COOKIE_NAME].value != before


def test_an_api_token_stops_working_when_the_user_is_deactivated(units, make_user):
    """A session-less credential dies with the account, as the session does."""
    user = make_user("leaver", "program_manager", units=(units["RETAIL"],), password=PASSWORD)
    client = Client()
    token = client.post(
        "/api/v1/auth/token/", {"username": "leaver", "password": PASSWORD}, content_type="application/json"
    ).json()["token"]
    assert client.get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/v1/use-cases/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401

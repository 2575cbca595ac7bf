"""The person's side of the code flow: their browser at the provider (a requests session keeping the provider's
cookies) and at Lodestar (the Django test client)."""

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class ProviderBrowser:
    def __init__(self, provider, lodestar: str = "http://testserver"):
        self.provider = provider
        self.lodestar = lodestar
        self.session = requests.Session()
        self.asked_to_sign_in = 0

    def authorize(self, url: str, username: str) -> str:
        """Follow the authorization request, signing in whenever the provider asks; the address it sends the
        browser back to at Lodestar (path and query)."""
        for _ in range(10):
            if url.startswith(self.lodestar):
                parts = urlsplit(url)
                return f"{parts.path}?{parts.query}"
            if urlsplit(url).path == "/accounts/login/":
                url = self._sign_in(url, username)
                continue
            response = self.session.get(url, allow_redirects=False, timeout=10)
            assert response.status_code == 302, (response.status_code, response.text[:500])
            url = requests.compat.urljoin(url, response.headers["Location"])
        raise AssertionError("the provider kept redirecting")

    def _sign_in(self, url: str, username: str) -> str:
        self.asked_to_sign_in += 1
        page = self.session.get(url, timeout=10)
        token = CSRF.search(page.text).group(1)
        next_url = dict(parse_qsl(urlsplit(url).query)).get("next", "")
        response = self.session.post(
            url,
            data={
                "username": username,
                "password": self.provider.password,
                "next": next_url,
                "csrfmiddlewaretoken": token,
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        return requests.compat.urljoin(url, response.headers["Location"])

    def backdate_sign_in(self, username: str, minutes: int) -> None:
        """The person signed in at the provider `minutes` ago (the provider's own record of it)."""
        when = (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S.%f")
        with sqlite3.connect(self.provider.database) as db:
            db.execute("UPDATE auth_user SET last_login = ? WHERE username = ?", (when, username))


def without_prompt(url: str) -> str:
    """The same authorization request as a provider that ignores prompt=login and max_age would treat it."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("prompt", "max_age")]
    return urlunsplit(parts._replace(query=urlencode(query)))


def sso_sign_in(client, browser: ProviderBrowser, username: str, next_url: str = ""):
    start = client.get("/accounts/sso/login/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.content[:300]
    return client.get(browser.authorize(start["Location"], username))

"""Whether single sign-on is on, what the provider is called, and its endpoints (from settings, or from its
discovery document, fetched once per process)."""

from functools import cache
from urllib.parse import urlsplit

import requests
from django.conf import settings

ENDPOINT_KEYS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_ISSUER": "issuer",
}
LOCAL_LOGIN_ALL = "all"
LOCAL_LOGIN_BREAK_GLASS = "break_glass"


def sso_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID)


def provider_name() -> str:
    return settings.LODESTAR_SSO_PROVIDER_NAME


def local_login_for_everyone() -> bool:
    """Local passwords are off only when single sign-on is on to replace them."""
    return not sso_enabled() or settings.LODESTAR_LOCAL_LOGIN != LOCAL_LOGIN_BREAK_GLASS


@cache
def _discovered(url: str) -> dict:
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    return response.json()


def endpoint(key: str) -> str:
    """An OIDC_OP_* setting; when empty and a discovery URL is set, the provider's own answer."""
    value = getattr(settings, key, "")
    if not value and settings.OIDC_OP_DISCOVERY_URL:
        value = _discovered(settings.OIDC_OP_DISCOVERY_URL).get(ENDPOINT_KEYS[key], "")
    return value


def provider_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""

"""The two ways to sign in: a local password (refused to all but break-glass accounts when local sign-in is off)
and the identity provider (OpenID Connect authorization code flow with PKCE, through mozilla-django-oidc)."""

import time

import jwt
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from core.auth_backends import LockoutModelBackend
from core.forms import explain_login_refusal
from identity import config, services


def oidc_setting(attr: str, *default):
    """mozilla-django-oidc's settings, with the provider's endpoints from its discovery document when not set."""
    if attr in config.ENDPOINT_KEYS:
        return config.endpoint(attr)
    return import_from_settings(attr, *default)


class LocalPasswordBackend(LockoutModelBackend):
    """Username and password, with the lockout; when LODESTAR_LOCAL_LOGIN is "break_glass", only for accounts
    flagged break-glass, whose every sign-in is audited and told to the other admins."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is not None and not config.local_login_for_everyone():
            user = get_user_model().objects.filter(username=username).first()
            if not services.local_password_allowed(user):
                explain_login_refusal(
                    request,
                    f"Local passwords are switched off: sign in with {config.provider_name()} instead.",
                )
                raise PermissionDenied("local sign-in is off")
            signed_in = super().authenticate(request, username=username, password=password, **kwargs)
            if signed_in is not None and request is not None:
                services.break_glass_sign_in_recorded(user=signed_in)
            return signed_in
        return super().authenticate(request, username=username, password=password, **kwargs)


class OIDCBackend(OIDCAuthenticationBackend):
    """Signs in the person the provider vouches for: their account is found (or created) by the ID token's issuer
    and subject, and given what the claims table maps their claims to."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # The endpoints are read when used (properties below): a provider that is down must not break local sign-in.
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: oidc_setting("OIDC_RP_CLIENT_ID"))
    OIDC_RP_CLIENT_SECRET = property(lambda self: oidc_setting("OIDC_RP_CLIENT_SECRET"))
    OIDC_RP_SIGN_ALGO = property(lambda self: oidc_setting("OIDC_RP_SIGN_ALGO", "RS256"))
    OIDC_RP_IDP_SIGN_KEY = property(lambda self: oidc_setting("OIDC_RP_IDP_SIGN_KEY", None))

    def get_user(self, user_id):
        """Each request's user, read as for a local sign-in: a deactivated account's session ends at once."""
        return LockoutModelBackend().get_user(user_id)

    def authenticate(self, request, **kwargs):
        if not config.sso_enabled() or request is None or "code" not in request.GET:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The library checks the signature and the nonce; the issuer, the audience and the expiry are checked
        here (OpenID Connect Core 3.1.3.7)."""
        if not token:
            raise SuspiciousOperation("The provider returned no ID token.")
        try:
            claims = super().verify_token(token, **kwargs)
        except jwt.InvalidTokenError as exc:  # an expired or not-yet-valid token, which the library lets through
            raise SuspiciousOperation(f"The ID token is not valid: {exc}.") from exc
        return check_id_token_claims(claims)

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {**self.get_userinfo(access_token, id_token, payload), **payload}
        if str(claims.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("The provider's userinfo names another subject than its ID token.")
        user = services.sso_sign_in(issuer=payload["iss"], subject=str(payload["sub"]), claims=claims)
        return user if user.is_active else None


def check_id_token_claims(claims: dict) -> dict:
    issuer = config.endpoint("OIDC_OP_ISSUER")
    if not issuer or claims.get("iss") != issuer:
        raise SuspiciousOperation("The ID token was issued by another provider.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if config.settings.OIDC_RP_CLIENT_ID not in audiences:
        raise SuspiciousOperation("The ID token was issued for another client.")
    expiry = claims.get("exp")
    if not isinstance(expiry, int | float) or expiry < time.time():
        raise SuspiciousOperation("The ID token has expired.")
    if not claims.get("sub"):
        raise SuspiciousOperation("The ID token names no subject.")
    return claims

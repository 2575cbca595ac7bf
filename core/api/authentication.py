"""API token authentication: `Authorization: Token <key>`, checked by core.tokens (expiry, revocation, the
holder's password and state)."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core import tokens


class ExpiringTokenAuthentication(TokenAuthentication):
    """A Lodestar API token; refused once expired (API_TOKEN_MAX_AGE), revoked, or its holder's password changed
    or account was deactivated, with the reason in the 401."""

    def authenticate_credentials(self, key):
        try:
            return tokens.api_token_authenticate(key)
        except tokens.TokenRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from None

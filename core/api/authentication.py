"""API token authentication: tokens expire after API_TOKEN_MAX_AGE seconds."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expired(token: Token) -> bool:
    return token.created < timezone.now() - timedelta(seconds=settings.API_TOKEN_MAX_AGE)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`; a token older than API_TOKEN_MAX_AGE is refused."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed("Your token has expired. Ask for a new one at /api/v1/auth/token/.")
        return user, token

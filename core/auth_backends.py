from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from core.lockout import lock_state


class LockoutModelBackend(ModelBackend):
    """Username and password, refused while the account is locked, even with the right password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and lock_state(username).locked:
            # PermissionDenied stops authenticate() at once and still reports a failed sign-in.
            raise PermissionDenied("account locked")
        return super().authenticate(request, username=username, password=password, **kwargs)

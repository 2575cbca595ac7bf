"""Abstract building blocks shared by the domain apps, and the credentials every app relies on."""

from django.conf import settings
from django.db import models

from core.permissions import RestrictedQuerySet


class TimeStampedModel(models.Model):
    """Adds creation and last-change times."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):
    """Manager whose querysets offer `.restrict(user, action)`."""


# --- Credentials ----------------------------------------------------------------------------------
# Two concrete models live here because every app's API and the calendar feed depend on them and core
# imports no app (issue 20, finding 4). Their rules are in core/tokens.py.


class ApiToken(models.Model):
    """A named API credential of one user, for one client; only a hash of its key is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="holder"
    )
    name = models.CharField(max_length=100, help_text="Which client uses it, e.g. “CI pipeline”.")
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # A fingerprint of the holder's password hash when issued: a changed password stops the token on any path.
    credential_stamp = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"
        permissions = [("manage_apitokens", "Can list and revoke every user's API tokens")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class FeedKey(models.Model):
    """The rotating part of a user's calendar feed link; rotating it kills every link given out before."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_key")
    nonce = models.CharField(max_length=32)
    rotated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "calendar feed key"

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"

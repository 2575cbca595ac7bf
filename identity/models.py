"""Who a provider's identity is in Lodestar, what its claims grant, who may still use a local password, and the
one-time proofs that a person re-authenticated at the provider to sign."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


class ExternalIdentity(models.Model):
    """Links one person at the identity provider (issuer + subject, never the e-mail) to one Lodestar account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    last_claims = models.JSONField(default=dict, blank=True, help_text="The mapped claim values of the last sign-in.")

    class Meta:
        ordering = ["issuer", "subject"]
        verbose_name = "external identity"
        verbose_name_plural = "external identities"
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="%(app_label)s_%(class)s_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class ClaimMapping(models.Model):
    """One row of the claims table: a value of the provider's group claim grants a role, a business unit or a
    sign-off function. Values no row names grant nothing."""

    class Grants(models.TextChoices):
        ROLE = "role", "Role"
        BUSINESS_UNIT = "business_unit", "Business unit membership"
        SIGN_OFF_FUNCTION = "sign_off_function", "Sign-off function"

    claim_value = models.CharField(
        max_length=200, help_text="The group (or other value) exactly as the provider sends it in the claim."
    )
    grants = models.CharField(max_length=20, choices=Grants.choices)
    role = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    business_unit = models.ForeignKey(
        "portfolio.BusinessUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_value", "grants", "pk"]
        verbose_name = "claim mapping"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(grants="business_unit", business_unit__isnull=False, role__isnull=True)
                    | (~models.Q(grants="business_unit") & models.Q(role__isnull=False, business_unit__isnull=True))
                ),
                name="%(app_label)s_%(class)s_one_target",
            ),
            models.UniqueConstraint(
                fields=["claim_value", "role", "business_unit"], name="%(app_label)s_%(class)s_unique_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_value} → {self.target}"

    @property
    def target(self):
        return self.business_unit if self.grants == self.Grants.BUSINESS_UNIT else self.role


class BreakGlassAccount(models.Model):
    """An account that keeps its local password when local sign-in is off: for when the provider is down."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass")
    reason = models.CharField(max_length=200)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = "break-glass account"
        default_permissions = ("view",)
        permissions = [("manage_breakglass", "Can flag and unflag break-glass accounts")]

    def __str__(self) -> str:
        return f"break-glass: {self.user}"


class Reauthentication(models.Model):
    """One round trip to the provider to sign one thing: started by the signer, verified from the ID token the
    provider returns (nonce, auth_time), then used once by the signature it was for."""

    class Status(models.TextChoices):
        STARTED = "started", "Started"
        VERIFIED = "verified", "Verified"
        USED = "used", "Used"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=100, help_text="What it signs, e.g. “review.sign_off:42”.")
    payload = models.JSONField(default=dict, blank=True, help_text="The decision being signed, as submitted.")
    return_url = models.CharField(max_length=300)
    state = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=64)
    code_verifier = models.CharField(max_length=128)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    started_at = models.DateTimeField(auto_now_add=True)
    auth_time = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"re-authentication of {self.user} for {self.action} ({self.status})"

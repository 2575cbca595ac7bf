"""Business units and their members."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from core.models import RestrictedManager, TimeStampedModel


class BusinessUnit(TimeStampedModel):
    """A part of the enterprise that sponsors use cases and owns models."""

    code = models.CharField(
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9-]{1,19}$", "Use 2 to 20 capital letters, digits or dashes.")],
    )
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = "business unit"
        permissions = [
            ("view_all_business_units", "Can see confidential records of every business unit"),
            ("manage_all_business_units", "Can change records of every business unit"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Membership(TimeStampedModel):
    """A user belongs to a business unit: they see its confidential records and may write its records."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="business_unit_memberships"
    )
    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="memberships")

    scope_business_unit = "business_unit"
    objects = RestrictedManager()

    class Meta:
        ordering = ["business_unit__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "business_unit"], name="%(app_label)s_%(class)s_unique_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.business_unit.code}"

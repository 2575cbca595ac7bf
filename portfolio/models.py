"""Business units, their members, and the AI use cases of the portfolio."""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from core.models import RestrictedManager, TimeStampedModel
from portfolio.choices import RISK_COLORS, STATUS_COLORS, RiskTier, UseCaseStatus


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


class UseCase(TimeStampedModel):
    """An AI use case: a business problem that AI may solve, proposed, ranked and delivered."""

    number = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(max_length=200)
    problem_statement = models.TextField(blank=True)
    business_unit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, related_name="use_cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_use_cases"
    )
    status = models.CharField(max_length=20, choices=UseCaseStatus.choices, default=UseCaseStatus.PROPOSED)
    risk_tier = models.CharField(max_length=20, choices=RiskTier.choices, default=RiskTier.UNASSESSED)
    confidential = models.BooleanField(default=False)
    estimated_value = models.DecimalField(
        "estimated annual value", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    estimated_cost = models.DecimalField(
        "estimated annual cost", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    scope_business_unit = "business_unit"
    scope_confidential = "confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["number"]
        verbose_name = "use case"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimated_value__gte=0), name="%(app_label)s_%(class)s_value_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_cost__gte=0), name="%(app_label)s_%(class)s_cost_gte_0"
            ),
        ]

    @property
    def code(self) -> str:
        return f"UC-{self.number:03d}"

    @property
    def status_color(self) -> str:
        return STATUS_COLORS.get(self.status, "grey")

    @property
    def risk_color(self) -> str:
        return RISK_COLORS.get(self.risk_tier, "grey")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

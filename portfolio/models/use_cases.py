"""AI use cases: intake, the objectives they serve, and the history of their status."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import RestrictedManager, TimeStampedModel
from portfolio.choices import RISK_COLORS, STATUS_COLORS, Level, RiskTier, Sourcing, UseCaseStatus


class UseCase(TimeStampedModel):
    """An AI use case: a business problem that AI may solve, proposed, ranked and delivered."""

    number = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(max_length=200)
    problem_statement = models.TextField(blank=True)
    process_changed = models.CharField("process it changes", max_length=300, blank=True)
    current_performance = models.CharField(
        "current cycle time or bottleneck",
        max_length=300,
        blank=True,
        help_text="e.g. 9 days from application to offer",
    )
    business_unit = models.ForeignKey("portfolio.BusinessUnit", on_delete=models.PROTECT, related_name="use_cases")
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="sponsored_use_cases"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_use_cases"
    )
    capabilities = models.ManyToManyField("portfolio.Capability", blank=True, related_name="use_cases")
    status = models.CharField(max_length=20, choices=UseCaseStatus.choices, default=UseCaseStatus.PROPOSED)
    risk_tier = models.CharField(max_length=20, choices=RiskTier.choices, default=RiskTier.UNASSESSED)
    confidential = models.BooleanField(default=False)
    estimated_value = models.DecimalField(
        "estimated annual value", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    estimated_cost = models.DecimalField(
        "estimated annual cost", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    # The annual budget, split into new capability and the upkeep of what exists.
    budget_innovation = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    budget_tech_debt = models.DecimalField(
        "budget for technical debt", max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    sourcing = models.CharField(max_length=10, choices=Sourcing.choices, default=Sourcing.UNDECIDED)
    sourcing_rationale = models.TextField(blank=True)
    data_sources_available = models.BooleanField(default=False)
    data_quality = models.CharField(max_length=10, choices=Level.choices, blank=True)
    data_access_agreed = models.BooleanField(default=False)
    integration_complexity = models.CharField(
        "integration complexity with legacy systems", max_length=10, choices=Level.choices, blank=True
    )
    # Application or system identifiers from the enterprise-architecture repository.
    ea_components = models.JSONField("EA components", default=list, blank=True)
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
            models.CheckConstraint(condition=Q(estimated_value__gte=0), name="%(app_label)s_%(class)s_value_gte_0"),
            models.CheckConstraint(condition=Q(estimated_cost__gte=0), name="%(app_label)s_%(class)s_cost_gte_0"),
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


class UseCaseObjective(models.Model):
    """A use case serves an objective, optionally through one KPI with an expected contribution."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="objective_links")
    objective = models.ForeignKey("portfolio.Objective", on_delete=models.PROTECT, related_name="use_case_links")
    kpi = models.ForeignKey(
        "portfolio.KPI", null=True, blank=True, on_delete=models.PROTECT, related_name="use_case_links"
    )
    expected_contribution = models.DecimalField(
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Change of the KPI this use case should bring, in the KPI's unit (e.g. -5 days).",
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["objective__title"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "objective", "kpi"], name="%(app_label)s_%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case.code} → {self.objective}"


class UseCaseTransition(models.Model):
    """One move of a use case through its workflow, with who, when and why."""

    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=UseCaseStatus.choices)
    to_status = models.CharField(max_length=20, choices=UseCaseStatus.choices)
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.use_case.code}: {self.from_status} → {self.to_status}"

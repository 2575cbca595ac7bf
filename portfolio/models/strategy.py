"""Strategy: objectives, the KPIs that measure them, their measurements, and business capabilities."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import RestrictedManager, TimeStampedModel
from portfolio.choices import Direction, Horizon, KPISource


class Objective(TimeStampedModel):
    """A strategic objective, enterprise-wide or of one business unit, that use cases must serve."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="owned_objectives"
    )
    horizon = models.CharField(max_length=4, choices=Horizon.choices, default=Horizon.H1)
    business_unit = models.ForeignKey(
        "portfolio.BusinessUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
        help_text="Empty for an enterprise-wide objective.",
    )
    is_active = models.BooleanField(default=True)

    scope_business_unit = "business_unit"
    objects = RestrictedManager()

    class Meta:
        ordering = ["title"]
        verbose_name = "objective"

    def __str__(self) -> str:
        return self.title


class KPI(TimeStampedModel):
    """A key performance indicator of an objective, with its baseline and target."""

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, help_text="e.g. days, %, EUR, count")
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    baseline = models.DecimalField(max_digits=18, decimal_places=4)
    baseline_date = models.DateField()
    target = models.DecimalField(max_digits=18, decimal_places=4)
    target_date = models.DateField()
    source = models.CharField(max_length=10, choices=KPISource.choices, default=KPISource.MANUAL)
    # Name of the monitored metric that feeds this KPI; monitoring fills the measurements.
    metric_binding = models.CharField(max_length=200, blank=True)

    scope_business_unit = "objective__business_unit"
    objects = RestrictedManager()

    class Meta:
        ordering = ["objective__title", "name"]
        verbose_name = "KPI"
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__gt=F("baseline_date")),
                name="%(app_label)s_%(class)s_target_after_baseline",
                violation_error_message="The target date must come after the baseline date.",
            ),
            models.CheckConstraint(
                condition=Q(source="manual") | ~Q(metric_binding=""),
                name="%(app_label)s_%(class)s_metric_source_is_bound",
                violation_error_message="A KPI fed by a metric must name the metric it is bound to.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class KPIMeasurement(models.Model):
    """One observed value of a KPI on a date."""

    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="measurements")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=4)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    scope_business_unit = "kpi__objective__business_unit"
    objects = RestrictedManager()

    class Meta:
        ordering = ["kpi", "measured_on"]
        verbose_name = "KPI measurement"
        constraints = [
            models.UniqueConstraint(fields=["kpi", "measured_on"], name="%(app_label)s_%(class)s_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.name} = {self.value} on {self.measured_on}"


class Capability(TimeStampedModel):
    """A business capability; capabilities form a tree, and use cases support them."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "capabilities"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="%(app_label)s_%(class)s_unique_sibling"),
        ]

    def __str__(self) -> str:
        return self.name

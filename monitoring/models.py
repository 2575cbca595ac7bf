"""Metrics pulled from MLflow (catalogue, series, points, daily roll-ups, sync runs), the alerts on them, the
health of production versions and retraining requests."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.models import RestrictedManager, TimeStampedModel
from core.permissions import RestrictedQuerySet
from monitoring.choices import (
    ALERT_STATUS_COLORS,
    HEALTH_STATUS_COLORS,
    PROPOSAL_STATUS_COLORS,
    RETRAINING_STATUS_COLORS,
    SEVERITY_COLORS,
    SYNC_STATUS_COLORS,
    Aggregation,
    AlertStatus,
    Condition,
    HealthStatus,
    MetricKind,
    ProposalKind,
    ProposalStatus,
    RetrainingStatus,
    RetrainingTrigger,
    RootCause,
    RuleAction,
    ScopeKind,
    Severity,
    SyncStatus,
)
from portfolio.choices import RiskTier

_VERSION_BU = "model_version__model__use_case__business_unit"
_VERSION_CONFIDENTIAL = "model_version__model__confidential"
_MODEL_BU = "model__use_case__business_unit"
WEBHOOK_MAX_ATTEMPTS = 5  # a delivery is tried this many times at most, with exponential backoff


class MetricDefinition(TimeStampedModel):
    """A metric Lodestar pulls from MLflow: its MLflow name, what it measures and which way is better."""

    name = models.CharField("MLflow metric name", max_length=250, unique=True)
    kind = models.CharField(max_length=20, choices=MetricKind.choices)
    unit = models.CharField(max_length=30, blank=True)
    higher_is_better = models.BooleanField(default=False)
    aggregation = models.CharField(max_length=10, choices=Aggregation.choices, default=Aggregation.MEAN)
    description = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = "metric definition"

    def __str__(self) -> str:
        return self.name


class MetricSeries(models.Model):
    """The history of one catalogued metric in one MLflow run that watches one model version.

    `last_step`/`last_timestamp` are the sync watermark: the newest point read, stored or refused as invalid,
    written in the same transaction as the points, so a sync killed half-way resumes from what is really stored."""

    model_version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="metric_series")
    run_id = models.CharField("MLflow run", max_length=64)
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT, related_name="series")
    last_step = models.BigIntegerField(null=True, blank=True, editable=False)
    last_timestamp = models.BigIntegerField(null=True, blank=True, editable=False, help_text="ms since epoch")
    synced_at = models.DateTimeField(null=True, blank=True, editable=False)

    scope_business_unit = _VERSION_BU
    scope_confidential = _VERSION_CONFIDENTIAL
    objects = RestrictedManager()

    class Meta:
        ordering = ["model_version_id", "metric__name", "run_id"]
        verbose_name = "metric series"
        verbose_name_plural = "metric series"
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "run_id", "metric"], name="%(app_label)s_%(class)s_one_per_run_metric"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric.name} of {self.model_version} (run {self.run_id[:8]})"


class MetricPoint(models.Model):
    """One value MLflow holds for a series; unique by step and timestamp, so a replayed sync adds nothing."""

    id = models.BigAutoField(primary_key=True)
    series = models.ForeignKey(MetricSeries, on_delete=models.PROTECT, related_name="points")
    step = models.BigIntegerField()
    timestamp = models.BigIntegerField(help_text="ms since epoch, as MLflow stores it")
    value = models.FloatField()

    class Meta:
        ordering = ["series_id", "timestamp", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "step", "timestamp"], name="%(app_label)s_%(class)s_unique_step_time"
            ),
        ]
        indexes = [models.Index(fields=["series", "timestamp"], name="monitoring_point_series_time")]

    def __str__(self) -> str:
        return f"{self.series_id}@{self.timestamp}: {self.value}"


class DailyAggregate(models.Model):
    """Raw points older than the retention age, rolled up to one row per series and day."""

    series = models.ForeignKey(MetricSeries, on_delete=models.PROTECT, related_name="daily")
    day = models.DateField()
    count = models.PositiveIntegerField()
    mean = models.FloatField()
    minimum = models.FloatField()
    maximum = models.FloatField()
    total = models.FloatField()
    last = models.FloatField()

    class Meta:
        ordering = ["series_id", "day"]
        constraints = [models.UniqueConstraint(fields=["series", "day"], name="%(app_label)s_%(class)s_one_per_day")]

    def __str__(self) -> str:
        return f"{self.series_id} {self.day}"


class SyncRun(models.Model):
    """One pull of metrics from MLflow: when, how many versions and points, and what went wrong."""

    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    trigger = models.CharField(max_length=20, default="schedule")
    versions_total = models.PositiveIntegerField(default=0)
    versions_done = models.PositiveIntegerField(default=0)
    points_inserted = models.PositiveIntegerField(default=0)
    points_skipped = models.PositiveIntegerField(default=0, help_text="Invalid points refused (NaN, bad step...)")
    errors = models.JSONField(default=list, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "MLflow sync run"

    def __str__(self) -> str:
        return f"Sync {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def status_color(self) -> str:
        return SYNC_STATUS_COLORS.get(self.status, "grey")


class AlertRuleQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """A rule on a model or version is seen by those who see that model or version (its name and
        threshold would tell of a confidential model); rules on a tier or a unit by every signed-in user."""
        allowed = super().restrict(user, action)
        if action != "view":
            return allowed
        from lifecycle.models import AIModel, ModelVersion

        return allowed.filter(
            Q(model__isnull=True) | Q(model__in=AIModel.objects.restrict(user, "view").values("pk")),
            Q(model_version__isnull=True)
            | Q(model_version__in=ModelVersion.objects.restrict(user, "view").values("pk")),
        )


class AlertRule(TimeStampedModel):
    """When a metric of the models in scope breaches a condition, open an alert and take an action."""

    name = models.CharField(max_length=200)
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT, related_name="rules")
    scope_kind = models.CharField(max_length=20, choices=ScopeKind.choices)
    model = models.ForeignKey("lifecycle.AIModel", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    model_version = models.ForeignKey(
        "lifecycle.ModelVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_tier = models.CharField(max_length=20, choices=RiskTier.choices, blank=True)
    business_unit = models.ForeignKey(
        "portfolio.BusinessUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    condition = models.CharField(max_length=20, choices=Condition.choices)
    threshold = models.FloatField(
        help_text="above/below: the value; relative change: the fraction (0.2 = 20 %); z-score: |z| at least"
    )
    window = models.PositiveIntegerField(default=7, help_text="Points in the baseline or trailing window.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    action = models.CharField(max_length=20, choices=RuleAction.choices, default=RuleAction.NOTIFY)
    automatic_suspend = models.BooleanField(
        default=False,
        help_text="With the action “suspend”: suspend the production version at once, without waiting for a person "
        "to confirm (a circuit breaker, e.g. for data-quality failures).",
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    objects = models.Manager.from_queryset(AlertRuleQuerySet)()

    class Meta:
        ordering = ["name"]
        verbose_name = "alert rule"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope_kind="model", model__isnull=False)
                    | Q(scope_kind="version", model_version__isnull=False)
                    | (Q(scope_kind="risk_tier") & ~Q(risk_tier=""))
                    | Q(scope_kind="business_unit", business_unit__isnull=False)
                ),
                name="%(app_label)s_%(class)s_scope_named",
                violation_error_message="A rule names the model, version, risk tier or business unit it watches.",
            ),
            models.CheckConstraint(
                condition=Q(window__gte=2) | Q(condition__in=["above", "below"]),
                name="%(app_label)s_%(class)s_window_of_two",
                violation_error_message="A baseline or trailing window needs at least 2 points.",
            ),
            models.CheckConstraint(
                condition=Q(automatic_suspend=False) | Q(action="suspend"),
                name="%(app_label)s_%(class)s_automatic_only_to_suspend",
                violation_error_message="Only a rule whose action is to suspend the model suspends automatically.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Alert(TimeStampedModel):
    """A breach of a rule on a series: open → acknowledged → resolved; one active alert per rule and series."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    series = models.ForeignKey(MetricSeries, on_delete=models.PROTECT, related_name="alerts")
    model_version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="alerts")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    message = models.TextField()
    first_value = models.FloatField()
    last_value = models.FloatField()
    breaches = models.PositiveIntegerField(default=1)
    first_breach_at = models.BigIntegerField(help_text="ms since epoch of the first breaching point")
    last_breach_at = models.BigIntegerField(help_text="ms since epoch of the latest breaching point")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    root_cause = models.CharField(max_length=20, choices=RootCause.choices, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    money_at_risk = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text="Value per day the use case's value contract loses at the alerted metric value; empty when the "
        "use case has no contract or the metric is not in its formula.",
    )

    scope_business_unit = _VERSION_BU
    scope_confidential = _VERSION_CONFIDENTIAL
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "series"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="%(app_label)s_%(class)s_one_active_per_rule_series",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(root_cause=""),
                name="%(app_label)s_%(class)s_resolved_with_cause",
                violation_error_message="A resolved alert names its root cause.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule.name} on {self.model_version}"

    @property
    def severity_color(self) -> str:
        return SEVERITY_COLORS.get(self.severity, "grey")

    @property
    def status_color(self) -> str:
        return ALERT_STATUS_COLORS.get(self.status, "grey")


class ActionProposal(TimeStampedModel):
    """What an alert proposes to do to the model it watches: roll back to the previous production version, or
    suspend the production version. A person confirms or dismisses it, once; a rule that suspends automatically
    has it carried out by Lodestar itself. Recorded as not possible (with why) when there is nothing to act on."""

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="action_proposal")
    kind = models.CharField(max_length=10, choices=ProposalKind.choices)
    model = models.ForeignKey("lifecycle.AIModel", on_delete=models.PROTECT, related_name="action_proposals")
    version = models.ForeignKey(
        "lifecycle.ModelVersion",
        on_delete=models.PROTECT,
        related_name="action_proposals",
        help_text="The version to suspend or roll back from (in production when proposed).",
    )
    restore_version = models.ForeignKey(
        "lifecycle.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a rollback: the earlier production version it restores.",
    )
    status = models.CharField(max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    automatic = models.BooleanField(default=False, help_text="Carried out without a person, as the rule says.")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    result = models.TextField(blank=True, help_text="What was done, or why it could not be.")

    scope_business_unit = _MODEL_BU
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = "action proposal"
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="dismissed") | ~Q(decision_note=""),
                name="%(app_label)s_%(class)s_dismissed_with_note",
                violation_error_message="A dismissed proposal says why.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "not_possible"]) | Q(decided_at__isnull=False),
                name="%(app_label)s_%(class)s_decided_with_time",
                violation_error_message="A decided proposal records when.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="rollback", status="proposed") | Q(restore_version__isnull=False),
                name="%(app_label)s_%(class)s_rollback_names_restore",
                violation_error_message="A rollback proposal names the version it restores.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.model}, alert #{self.alert_id})"

    @property
    def status_color(self) -> str:
        return PROPOSAL_STATUS_COLORS.get(self.status, "grey")

    @property
    def summary(self) -> str:
        """The proposal in one sentence, for the alert page and the owners' notification."""
        if self.kind == ProposalKind.ROLLBACK and self.restore_version_id:
            what = f"roll {self.model} back from v{self.version.version} to v{self.restore_version.version}"
        elif self.kind == ProposalKind.ROLLBACK:
            what = f"roll {self.model} back from v{self.version.version}"
        else:
            what = f"suspend {self.version}"
        return what


class BudgetQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """A model's budget is seen by those who see the model (its name tells of it); a unit's budget by every
        signed-in user, like the unit."""
        allowed = super().restrict(user, action)
        if action != "view":
            return allowed
        from lifecycle.models import AIModel

        return allowed.filter(Q(model__isnull=True) | Q(model__in=AIModel.objects.restrict(user, "view").values("pk")))


class Budget(TimeStampedModel):
    """A monthly cost budget in USD for a model or a whole business unit, in force from a month on.

    The budget of a month is the one of its scope with the latest `valid_from` at or before the month (and no
    `valid_to` before it): setting a new amount from a later month keeps the history of earlier months."""

    model = models.ForeignKey(
        "lifecycle.AIModel", null=True, blank=True, on_delete=models.PROTECT, related_name="budgets"
    )
    # The model's unit for a model budget (set by the service), so writes are scoped like the unit's.
    business_unit = models.ForeignKey("portfolio.BusinessUnit", on_delete=models.PROTECT, related_name="budgets")
    monthly_amount = models.DecimalField("monthly amount (USD)", max_digits=14, decimal_places=2)
    valid_from = models.DateField(help_text="The first month it applies to (stored as the 1st of the month).")
    valid_to = models.DateField(null=True, blank=True, help_text="The last month it applies to; empty: open-ended.")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = "business_unit"
    objects = models.Manager.from_queryset(BudgetQuerySet)()

    class Meta:
        ordering = ["business_unit__code", "model__name", "-valid_from"]
        verbose_name = "budget"
        permissions = [("manage_budget", "Can set cost budgets of models and business units")]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_amount__gte=0),
                name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message="A budget cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="A budget ends in or after the month it starts.",
            ),
            models.UniqueConstraint(
                fields=["model", "valid_from"],
                condition=Q(model__isnull=False),
                name="%(app_label)s_%(class)s_one_per_model_month",
            ),
            models.UniqueConstraint(
                fields=["business_unit", "valid_from"],
                condition=Q(model__isnull=True),
                name="%(app_label)s_%(class)s_one_per_unit_month",
            ),
        ]

    def __str__(self) -> str:
        scope = self.model.name if self.model_id else f"unit {self.business_unit.code}"
        return f"Budget of {scope} from {self.valid_from:%Y-%m}: {self.monthly_amount} USD/month"


class HealthCheck(models.Model):
    """The latest health of a production version: good, warning or bad, a score and the reasons; updated in
    place by the scheduled check so pages read one row."""

    model_version = models.OneToOneField("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="health")
    status = models.CharField(max_length=10, choices=HealthStatus.choices)
    score = models.PositiveSmallIntegerField(help_text="100 is healthy; each reason takes points off.")
    # [{"severity": "bad" | "warning", "kind": "alert", "text": "...", "url": "/..."}]
    reasons = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField()
    status_since = models.DateTimeField(help_text="When the status last changed.")

    scope_business_unit = _VERSION_BU
    scope_confidential = _VERSION_CONFIDENTIAL
    objects = RestrictedManager()

    class Meta:
        ordering = ["score", "model_version_id"]
        verbose_name = "health check"
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=100), name="%(app_label)s_%(class)s_score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"Health of {self.model_version}: {self.status} ({self.score})"

    @property
    def status_color(self) -> str:
        return HEALTH_STATUS_COLORS.get(self.status, "grey")


class RetrainingRequest(TimeStampedModel):
    """A request to retrain a model, opened by an alert, the model's schedule or a person: open → in progress
    → done (a new version answers it) or declined (with a reason)."""

    model = models.ForeignKey("lifecycle.AIModel", on_delete=models.PROTECT, related_name="retraining_requests")
    trigger = models.CharField(max_length=10, choices=RetrainingTrigger.choices)
    status = models.CharField(max_length=12, choices=RetrainingStatus.choices, default=RetrainingStatus.OPEN)
    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.PROTECT, related_name="retraining_requests"
    )
    answered_by = models.ForeignKey(
        "lifecycle.ModelVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answered_retraining_requests",
        verbose_name="answering version",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(blank=True)
    decline_reason = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_business_unit = _MODEL_BU
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "retraining request"
        default_permissions = ("add", "change", "view")
        constraints = [
            # An alert opens one request, however often its rule fires again while it stays open.
            models.UniqueConstraint(
                fields=["alert"], condition=Q(alert__isnull=False), name="%(app_label)s_%(class)s_one_per_alert"
            ),
            # The schedule never stacks requests: one scheduled request waits at a time.
            models.UniqueConstraint(
                fields=["model"],
                condition=Q(trigger="schedule", status__in=["open", "in_progress"]),
                name="%(app_label)s_%(class)s_one_open_scheduled",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="%(app_label)s_%(class)s_declined_with_reason",
                violation_error_message="A declined request says why.",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(answered_by__isnull=False),
                name="%(app_label)s_%(class)s_done_with_version",
                violation_error_message="A done request names the version that answers it.",
            ),
        ]

    def __str__(self) -> str:
        return f"Retraining #{self.pk} of {self.model}"

    @property
    def status_color(self) -> str:
        return RETRAINING_STATUS_COLORS.get(self.status, "grey")


class RetrainingSchedule(TimeStampedModel):
    """Retrain a model every N days: the beat task opens a scheduled request when `next_due` comes."""

    model = models.OneToOneField("lifecycle.AIModel", on_delete=models.PROTECT, related_name="retraining_schedule")
    every_days = models.PositiveIntegerField()
    next_due = models.DateField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = _MODEL_BU
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["next_due", "pk"]
        verbose_name = "retraining schedule"
        default_permissions = ("add", "change", "view")
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__gte=1, every_days__lte=3650),
                name="%(app_label)s_%(class)s_every_days_range",
                violation_error_message="Retrain every 1 to 3650 days.",
            ),
        ]

    def __str__(self) -> str:
        return f"Retrain {self.model} every {self.every_days} days"


class Feedback(TimeStampedModel):
    """A business user's or expert's word on one prediction of a version: what was expected, a comment and a
    rating from 1 (useless) to 5 (spot on)."""

    model_version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="feedback")
    prediction_id = models.CharField("prediction id", max_length=200)
    expected = models.CharField("what was expected", max_length=500, blank=True)
    comment = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(help_text="1 (useless) to 5 (spot on)")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = _VERSION_BU
    scope_confidential = _VERSION_CONFIDENTIAL
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "feedback"
        verbose_name_plural = "feedback"
        default_permissions = ("view",)
        indexes = [models.Index(fields=["model_version", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="%(app_label)s_%(class)s_rating_1_to_5",
                violation_error_message="Rate from 1 to 5.",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback on prediction {self.prediction_id} of {self.model_version}: {self.rating}/5"


class Outcome(models.Model):
    """What really happened to one prediction of a version, posted by the system that learns it; one per
    version and prediction id, never changed once stored."""

    id = models.BigAutoField(primary_key=True)
    model_version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="outcomes")
    prediction_id = models.CharField("prediction id", max_length=200)
    predicted = models.CharField(max_length=200)
    actual = models.CharField(max_length=200)
    at = models.DateTimeField(help_text="When the prediction was made")
    received_at = models.DateTimeField(auto_now_add=True)

    scope_business_unit = _VERSION_BU
    scope_confidential = _VERSION_CONFIDENTIAL
    objects = RestrictedManager()

    class Meta:
        ordering = ["model_version_id", "at", "pk"]
        verbose_name = "outcome"
        default_permissions = ("add", "view")
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "prediction_id"], name="%(app_label)s_%(class)s_one_per_prediction"
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome of prediction {self.prediction_id} of {self.model_version}"


class WebhookEndpoint(TimeStampedModel):
    """A receiver of Lodestar's events (alerts, retraining requests, suspensions): a Slack channel, an ML
    pipeline, the serving platform. Each delivery is signed with the secret (HMAC-SHA256 of the body)."""

    name = models.CharField(max_length=200)
    url = models.URLField("URL", max_length=500)
    events = models.JSONField(default=list, help_text='The events it receives, e.g. ["alert.opened"].')
    secret = models.CharField(max_length=200, help_text="Shared with the receiver to verify the signature.")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "webhook endpoint"
        default_permissions = ("view",)
        permissions = [("manage_webhook", "Can manage the outgoing webhooks")]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint: the payload, the attempts and how the last one went."""

    id = models.BigAutoField(primary_key=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True, help_text="HTTP status of the last try")
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint}"

    @property
    def state(self) -> str:
        if self.delivered_at:
            return "delivered"
        return "failed" if self.attempts >= WEBHOOK_MAX_ATTEMPTS else "pending"


# --- Value contracts ----------------------------------------------------------------------------------

_USE_CASE_BU = "use_case__business_unit"
_USE_CASE_CONFIDENTIAL = "use_case__confidential"


class ValueContract(TimeStampedModel):
    """What a use case's models are worth per day: a formula over the metrics of its production models and
    declared constants, evaluated after each sync into realised value. One per use case, changed in place
    (every change is an audit event with the formula before and after)."""

    use_case = models.OneToOneField("portfolio.UseCase", on_delete=models.PROTECT, related_name="value_contract")
    formula = models.CharField(max_length=500, help_text="e.g. precision * alerts_per_day * saving - cost_usd")
    # {name: number}, e.g. {"alerts_per_day": 40, "saving_per_true_positive": 120}
    constants = models.JSONField(default=dict, blank=True)
    currency = models.CharField(max_length=10, blank=True, help_text="Empty: the portfolio's currency.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = _USE_CASE_BU
    scope_confidential = _USE_CASE_CONFIDENTIAL
    objects = RestrictedManager()

    class Meta:
        ordering = ["use_case_id"]
        verbose_name = "value contract"

    def __str__(self) -> str:
        return f"Value contract of {self.use_case}"


class ValueRealisation(models.Model):
    """The value a use case realised on one day by its contract, and the daily inputs it was computed from;
    recomputed in place when new points arrive for that day. `value` is empty when the formula is undefined
    with that day's inputs (a division by zero)."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="value_realisations")
    day = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    inputs = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    scope_business_unit = _USE_CASE_BU
    scope_confidential = _USE_CASE_CONFIDENTIAL
    objects = RestrictedManager()

    class Meta:
        ordering = ["use_case_id", "day"]
        verbose_name = "value realisation"
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["use_case", "day"], name="%(app_label)s_%(class)s_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case} on {self.day}: {self.value}"


class ExchangeRate(TimeStampedModel):
    """How many units of `quote` one unit of `base` buys from a date on, as an admin entered it: the rate that
    turns USD costs into the portfolio's currency before they meet a value (issue 19)."""

    base_currency = models.CharField("from currency", max_length=3, help_text="ISO 4217 code, e.g. USD.")
    quote_currency = models.CharField("to currency", max_length=3, help_text="ISO 4217 code, e.g. EUR.")
    rate = models.DecimalField(
        max_digits=18, decimal_places=8, help_text="Units of the “to” currency that one unit of the “from” buys."
    )
    effective_on = models.DateField(help_text="The first day the rate applies to; it holds until a later one.")
    source = models.CharField(max_length=200, blank=True, help_text="Where the rate comes from, e.g. ECB reference.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["base_currency", "quote_currency", "-effective_on"]
        verbose_name = "exchange rate"
        constraints = [
            models.UniqueConstraint(
                fields=["base_currency", "quote_currency", "effective_on"], name="%(app_label)s_%(class)s_unique_day"
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="%(app_label)s_%(class)s_rate_positive",
                violation_error_message="A rate must be above zero.",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=~Q(base_currency=F("quote_currency")),
                name="%(app_label)s_%(class)s_two_currencies",
                violation_error_message="A rate converts between two different currencies.",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"1 {self.base_currency} = {self.rate.normalize():f} {self.quote_currency} from {self.effective_on}"

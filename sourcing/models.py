"""Sourcing: third-party AI vendors and the inventory models they supply, technology evaluations with their
sandbox trials, and the approved standards that follow.

These tables were created by governance and keep their names (`db_table`) and constraint names; only the
app that owns them changed."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import RestrictedManager, TimeStampedModel
from sourcing.choices import (
    BuildOrBuy,
    DueDiligence,
    EvaluationDecision,
    EvaluationStatus,
    LicenceModel,
    LockInRisk,
    StandardKind,
    StandardStatus,
    TechnologyCategory,
    TrialOutcome,
)


class Vendor(TimeStampedModel):
    """A third-party AI vendor: what it supplies, where its due diligence stands, who owns the data and how it
    is handled, how locked in we are and how we would leave."""

    name = models.CharField(max_length=200, unique=True)
    services = models.TextField(blank=True, help_text="What the vendor supplies: models, APIs, platforms.")
    due_diligence = models.CharField(
        "due-diligence status", max_length=12, choices=DueDiligence.choices, default=DueDiligence.NOT_STARTED
    )
    data_ownership_clause = models.TextField(blank=True, help_text="Who owns inputs, outputs and fine-tunes.")
    data_handling_clause = models.TextField(blank=True, help_text="Retention, residency, use for training.")
    lock_in_risk = models.CharField(max_length=10, choices=LockInRisk.choices, default=LockInRisk.MEDIUM)
    exit_strategy = models.TextField(blank=True)
    data_portability = models.TextField(blank=True)
    last_assessed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_vendor"
        ordering = ["name"]
        default_permissions = ("view",)
        permissions = [("manage_vendor", "Can record vendors and the models they supply")]

    def __str__(self) -> str:
        return self.name


class SuppliedModel(models.Model):
    """Which vendor supplies an inventory model (governance's side: lifecycle's AIModel is not changed)."""

    model = models.OneToOneField("lifecycle.AIModel", on_delete=models.CASCADE, related_name="supplier_link")
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="supplies")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now=True)

    scope_business_unit = "model__use_case__business_unit"
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        db_table = "governance_suppliedmodel"
        ordering = ["model__name"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.model} ← {self.vendor or 'no vendor'}"


# --- Technology evaluations, sandbox trials and the approved standards that follow ------------------------


class TechnologyEvaluation(TimeStampedModel):
    """A tool or platform under evaluation: build or buy, open source or commercial, its costs against the
    benefit expected, how locked in it would leave us, and the decision taken with its rationale."""

    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=TechnologyCategory.choices, default=TechnologyCategory.OTHER)
    vendor = models.ForeignKey(Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations")
    summary = models.TextField(blank=True, help_text="What is evaluated and the need it answers.")
    build_or_buy = models.CharField("build or buy", max_length=5, choices=BuildOrBuy.choices, default=BuildOrBuy.BUY)
    licence_model = models.CharField(max_length=12, choices=LicenceModel.choices, default=LicenceModel.COMMERCIAL)
    one_off_cost = models.DecimalField("one-off cost", max_digits=14, decimal_places=2, default=0)
    annual_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    annual_benefit = models.DecimalField("expected annual benefit", max_digits=14, decimal_places=2, default=0)
    lock_in_risk = models.CharField(max_length=10, choices=LockInRisk.choices, default=LockInRisk.MEDIUM)
    lock_in_notes = models.TextField(blank=True, help_text="Proprietary formats, APIs, contract terms, exit cost.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.PROPOSED)
    decision = models.CharField(max_length=6, choices=EvaluationDecision.choices, blank=True)
    rationale = models.TextField(blank=True)
    trial_waiver = models.TextField(
        blank=True, help_text="Why the technology was adopted without a passed sandbox trial."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_technologyevaluation"
        ordering = ["name", "pk"]
        default_permissions = ("view",)
        permissions = [
            ("manage_evaluation", "Can record technology evaluations and their sandbox trials"),
            ("decide_evaluation", "Can decide to adopt, reject or defer an evaluated technology"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(one_off_cost__gte=0) & Q(annual_cost__gte=0) & Q(annual_benefit__gte=0),
                name="governance_%(class)s_amounts_not_negative",
                violation_error_message="Costs and benefit are amounts of zero or more.",
            ),
            models.CheckConstraint(
                condition=(Q(status="decided") & ~Q(decision="") & ~Q(rationale=""))
                | (~Q(status="decided") & Q(decision="")),
                name="governance_%(class)s_decided_with_rationale",
                violation_error_message="A decided evaluation has a decision and its rationale.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def status_color(self) -> str:
        from sourcing.choices import EVALUATION_STATUS_COLORS

        return EVALUATION_STATUS_COLORS.get(self.status, "grey")

    @property
    def net_annual_benefit(self):
        """Expected benefit less the running cost, per year."""
        return self.annual_benefit - self.annual_cost

    @property
    def payback_months(self):
        """Months of net benefit that repay the one-off cost; None when the net benefit never does."""
        net = self.net_annual_benefit
        if net <= 0:
            return None
        if not self.one_off_cost:
            return 0
        return round(float(self.one_off_cost) / (float(net) / 12), 1)


class SandboxTrial(models.Model):
    """A time-boxed trial of an evaluated technology in a sandbox, with its goals; closed with an outcome and
    what was found."""

    evaluation = models.ForeignKey(TechnologyEvaluation, on_delete=models.PROTECT, related_name="trials")
    start = models.DateField()
    end = models.DateField()
    goals = models.TextField()
    outcome = models.CharField(max_length=12, choices=TrialOutcome.choices, blank=True)
    findings = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_sandboxtrial"
        ordering = ["-start", "-pk"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="governance_%(class)s_end_after_start",
                violation_error_message="A trial ends after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | ~Q(findings=""),
                name="governance_%(class)s_closed_with_findings",
                violation_error_message="A closed trial records its findings.",
            ),
        ]

    def __str__(self) -> str:
        return f"Trial of {self.evaluation} from {self.start:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return not self.outcome


class ApprovedStandard(TimeStampedModel):
    """A standard or reference architecture approved for use, often the outcome of an adopted evaluation;
    reviewed by its review date, retired when it no longer holds."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=24, choices=StandardKind.choices, default=StandardKind.STANDARD)
    description = models.TextField()
    link = models.URLField(max_length=500, blank=True)
    evaluation = models.ForeignKey(
        TechnologyEvaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="standards"
    )
    status = models.CharField(max_length=10, choices=StandardStatus.choices, default=StandardStatus.APPROVED)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()
    review_date = models.DateField()
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    retirement_reason = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        db_table = "governance_approvedstandard"
        ordering = ["name"]
        default_permissions = ("view",)
        permissions = [("approve_standard", "Can approve or retire standards and reference architectures")]

    def __str__(self) -> str:
        return self.name

"""Governance: impact assessments, review policies per tier, reviews of versions and their sign-offs, model
cards and bias assessments."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import RestrictedManager, TimeStampedModel
from core.permissions import RestrictedQuerySet
from governance.choices import (
    AssessmentStatus,
    ConcernKind,
    ConcernSeverity,
    ConcernStatus,
    Course,
    Decision,
    EmergencyStatus,
    EUCategory,
    ExplainabilityMethod,
    FindingStatus,
    PirOutcome,
    PirStatus,
    ReviewStatus,
    Severity,
    TestEvidenceKind,
    TestEvidenceStatus,
    Tier,
    ValidationMethod,
)

SIGN_OFF_FUNCTIONS = [
    ("validation", "Validation", "Independent model validation: method, data, performance, limits."),
    ("risk", "Risk", "Model risk management: materiality, tier, residual risk."),
    ("compliance", "Compliance", "Regulatory obligations, EU AI Act conformity, internal policy."),
    ("legal", "Legal", "Contracts, liability, intellectual property, data protection law."),
    ("security", "Security", "Threat model, access, supply chain, adversarial robustness."),
    ("ethics", "Ethics", "Fairness, transparency and impact on the people affected."),
    ("business", "Business", "The accountable business owner accepts the model for its use."),
]
FUNCTION_CODES = [code for code, _, _ in SIGN_OFF_FUNCTIONS]
FUNCTION_NAMES = {code: name for code, name, _ in SIGN_OFF_FUNCTIONS}


class SignOffFunction(models.Model):
    """A function that signs off model versions (validation, risk, …); held via `governance.sign_<code>`."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "sign-off function"
        default_permissions = ("view",)
        permissions = [(f"sign_{code}", f"Can sign off as {name}") for code, name, _ in SIGN_OFF_FUNCTIONS]

    def __str__(self) -> str:
        return self.name

    @property
    def permission(self) -> str:
        return f"governance.sign_{self.code}"


def function_permission(code: str) -> str:
    return f"governance.sign_{code}"


class Questionnaire(models.Model):
    """One version of the impact-assessment questionnaire, defined as data (seeded by a migration)."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    # [{"key", "text", "kind": "text|choice|multi|bool", "options": [[value, label], ...], "required"}]
    questions = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def question(self, key: str) -> dict | None:
        return next((q for q in self.questions if q["key"] == key), None)


class RiskAssessment(TimeStampedModel):
    """An impact assessment of a use case: answers, the computed EU AI Act category and tier, and why."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="risk_assessments")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    eu_category = models.CharField(max_length=12, choices=EUCategory.choices, blank=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    reassessment_due = models.DateField(null=True, blank=True)

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ("add", "view")
        permissions = [("approve_riskassessment", "Can approve a risk assessment written by someone else")]
        constraints = [
            models.UniqueConstraint(
                fields=["use_case"],
                condition=Q(status__in=["draft", "submitted"]),
                name="%(app_label)s_%(class)s_one_open_per_use_case",
                violation_error_message="This use case already has an assessment in progress.",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.use_case.code} ({self.get_status_display().lower()})"


class ReviewPolicy(models.Model):
    """One version of the review policy of a tier. Rows are never edited: an edit adds the next version."""

    tier = models.CharField(max_length=10, choices=Tier.choices)
    version = models.PositiveIntegerField()
    required_functions = models.JSONField(help_text='Sign-off function codes, e.g. ["validation", "risk"].')
    # [{"metric": "recall", "operator": ">=", "value": 0.8}]
    metric_thresholds = models.JSONField(default=list, blank=True)
    model_card_sections = models.JSONField(default=list, blank=True)
    bias_assessment_required = models.BooleanField(default=False)
    promote_on_approval = models.BooleanField(
        default=False,
        help_text="When the last required signature lands, move the version to approved at once (if every gate of "
        "approved passes); otherwise a review board member moves it from the review page.",
    )
    required_test_evidence = models.JSONField(
        default=list, blank=True, help_text='Test evidence kinds a version needs, e.g. ["validation_protocol"].'
    )
    approval_validity_days = models.PositiveIntegerField()
    reassessment_cadence_days = models.PositiveIntegerField()
    decommission_notice_days = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["tier", "-version"]
        verbose_name_plural = "review policies"
        default_permissions = ("view", "change")
        constraints = [
            models.UniqueConstraint(fields=["tier", "version"], name="%(app_label)s_%(class)s_tier_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} policy v{self.version}"

    SNAPSHOT_FIELDS = (
        "tier",
        "version",
        "required_functions",
        "metric_thresholds",
        "model_card_sections",
        "bias_assessment_required",
        "promote_on_approval",
        "required_test_evidence",
        "approval_validity_days",
        "reassessment_cadence_days",
        "decommission_notice_days",
    )

    def snapshot(self) -> dict:
        return {field: getattr(self, field) for field in self.SNAPSHOT_FIELDS}


class Review(models.Model):
    """The review of one model version under a snapshot of its tier's policy."""

    version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="reviews")
    policy = models.ForeignKey(ReviewPolicy, on_delete=models.PROTECT, related_name="reviews")
    policy_snapshot = models.JSONField()
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_business_unit = "version__model__use_case__business_unit"
    scope_confidential = "version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["version"], condition=Q(status="open"), name="%(app_label)s_%(class)s_one_open_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"Review #{self.pk} of {self.version}"

    @property
    def required_functions(self) -> list[str]:
        return list(self.policy_snapshot.get("required_functions", []))


class SignOff(models.Model):
    """A signature on a review: immutable once written. Only a reset (policy edit, content change,
    superseded review) stamps `invalidated_at`; the signature itself never changes."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="sign_offs")
    function = models.CharField(max_length=30)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField("printed name of the signer", max_length=300)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    meaning = models.TextField(help_text="The meaning of the signature, as shown to the signer.")
    comment = models.TextField(blank=True)
    digest = models.CharField(max_length=64, help_text="Content digest of the version that was signed.")
    # The database's deploy gate (governance migration 0015) cannot recompute the content digest, so it binds the
    # signature to lifecycle's digest of the version, which the content digest covers.
    artefact_digest = models.CharField(
        max_length=64, blank=True, help_text="Lifecycle's digest of the version (its `digest`) when signed."
    )
    policy_version = models.PositiveIntegerField()
    signed_at = models.DateTimeField(auto_now_add=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidated_reason = models.CharField(max_length=300, blank=True)

    scope_business_unit = "review__version__model__use_case__business_unit"
    scope_confidential = "review__version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["signed_at", "pk"]
        verbose_name = "sign-off"
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["review", "function"],
                condition=Q(invalidated_at__isnull=True),
                name="%(app_label)s_%(class)s_one_decision_per_function",
                violation_error_message="This function has already decided on this review.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.function} {self.decision} by {self.signer_name}"

    @property
    def function_name(self) -> str:
        return FUNCTION_NAMES.get(self.function, self.function)


class TrainingRecord(models.Model):
    """A completed training with its expiry: signers must hold current AI-literacy training."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_records")
    course = models.CharField(max_length=30, choices=Course.choices, default=Course.AI_LITERACY)
    completed_on = models.DateField()
    expires_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(
        max_length=100, blank=True, help_text="Where the record came from: entered by hand, or a learning system file."
    )
    # The day the expiry reminder went out, so the daily task reminds once per record.
    reminded_on = models.DateField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-expires_on"]
        default_permissions = ("add", "view")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("completed_on")),
                name="%(app_label)s_%(class)s_expires_after_completion",
                violation_error_message="Training expires after it was completed.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.course} until {self.expires_on}"


class Finding(TimeStampedModel):
    """Effective challenge: a validator's finding on a reviewed version, the developer's response, and
    its closure by a validator."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="findings")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    scope_business_unit = "review__version__model__use_case__business_unit"
    scope_confidential = "review__version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["created_at", "pk"]
        default_permissions = ("view",)
        permissions = [("grant_findingexception", "Can grant a time-boxed exception for an open finding")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} finding #{self.pk} on {self.review}"


class FindingException(models.Model):
    """A time-boxed exception letting a version be approved despite an open high-severity finding,
    granted by a separate exception authority."""

    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="exceptions")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    scope_business_unit = "finding__review__version__model__use_case__business_unit"
    scope_confidential = "finding__review__version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-granted_at"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"Exception for finding #{self.finding_id} until {self.expires_at:%Y-%m-%d}"


# --- Model cards and fairness ----------------------------------------------------------------------------


class ModelCard(TimeStampedModel):
    """The documentation of one model version, written by its developers; what MLflow recorded (metrics,
    params, datasets, signature) is read from the version, not copied here."""

    version = models.OneToOneField("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="model_card")
    intended_use = models.TextField(blank=True)
    out_of_scope_uses = models.TextField("out-of-scope uses", blank=True)
    users_affected = models.TextField("users and people affected", blank=True)
    training_data = models.TextField(blank=True)
    evaluation_data = models.TextField(blank=True)
    metrics_notes = models.TextField("metrics and their slices", blank=True)
    fairness_findings = models.TextField(blank=True)
    explainability_method = models.CharField(max_length=10, choices=ExplainabilityMethod.choices, blank=True)
    explainability_notes = models.TextField(blank=True)
    limitations = models.TextField("limitations and caveats", blank=True)
    human_oversight = models.TextField("fallback and human oversight", blank=True)
    assumptions = models.TextField(blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = "version__model__use_case__business_unit"
    scope_confidential = "version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"Model card of {self.version}"


class BiasAssessment(models.Model):
    """Fairness of a version's predictions on an uploaded file: per protected attribute and group, the
    rates, the disparate impact and equal opportunity difference against a reference group, and a verdict
    against the policy's threshold. Immutable: a new file makes a new assessment."""

    version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="bias_assessments")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField("SHA-256 of the file", max_length=64)
    row_count = models.PositiveIntegerField()
    reference_groups = models.JSONField(help_text='{"protected attribute column": "reference group"}')
    # {attribute: {"reference": group, "groups": [{"group", "count", "selection_rate", "tpr", ...}]}}
    results = models.JSONField()
    thresholds = models.JSONField(help_text='The rules applied: [{"metric", "operator", "value"}].')
    passed = models.BooleanField()
    failures = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    scope_business_unit = "version__model__use_case__business_unit"
    scope_confidential = "version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"Bias assessment #{self.pk} of {self.version} ({'pass' if self.passed else 'fail'})"


class TestEvidenceQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Test evidence is seen by whoever sees its version (a grant on the version opens its evidence)."""
        if action != "view":
            return super().restrict(user, action)
        from lifecycle.models import ModelVersion

        return self.filter(version__in=ModelVersion.objects.restrict(user, "view").values("pk"))


class TestEvidence(models.Model):
    """Typed test evidence for one version (a validation protocol, a penetration test...): submitted by its
    developers bound to the version's content digest, accepted or rejected by an independent holder of the
    validation or security function. It counts only while the version's content is what was submitted."""

    __test__ = False  # not a test class, whatever its name

    version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="test_evidence")
    kind = models.CharField(max_length=30, choices=TestEvidenceKind.choices)
    method = models.CharField(
        max_length=20, choices=ValidationMethod.choices, blank=True, help_text="For a validation protocol only."
    )
    summary = models.TextField(help_text="What was tested, how, and what came out.")
    # {"metric": value}: required for a validation protocol (e.g. {"auc": 0.91, "recall": 0.83}).
    results = models.JSONField(default=dict, blank=True)
    link = models.URLField(max_length=500, blank=True)
    reference = models.CharField(
        "file reference", max_length=300, blank=True, help_text="Where the report is kept (document id, path)."
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    version_digest = models.CharField(max_length=64, help_text="Content digest of the version when submitted.")
    status = models.CharField(max_length=10, choices=TestEvidenceStatus.choices, default=TestEvidenceStatus.SUBMITTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    scope_business_unit = "version__model__use_case__business_unit"
    scope_confidential = "version__model__confidential"
    objects = models.Manager.from_queryset(TestEvidenceQuerySet)()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "test evidence"
        verbose_name_plural = "test evidence"
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="validation_protocol") & Q(method__in=ValidationMethod.values))
                | (~Q(kind="validation_protocol") & Q(method="")),
                name="%(app_label)s_%(class)s_method_of_validation_protocol",
                violation_error_message="A validation protocol names its method; other kinds have none.",
            ),
            models.CheckConstraint(
                condition=~Q(link="") | ~Q(reference=""),
                name="%(app_label)s_%(class)s_link_or_reference",
                violation_error_message="Test evidence needs a link or a file reference.",
            ),
            models.CheckConstraint(
                condition=Q(status="submitted") | Q(reviewed_by__isnull=False),
                name="%(app_label)s_%(class)s_reviewed_by_someone",
                violation_error_message="A decision on test evidence names its reviewer.",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_comment=""),
                name="%(app_label)s_%(class)s_rejection_says_why",
                violation_error_message="A rejection says why.",
            ),
            models.UniqueConstraint(
                fields=["version", "kind", "version_digest"],
                condition=Q(status="submitted"),
                name="%(app_label)s_%(class)s_one_waiting_per_kind",
                violation_error_message="Evidence of this kind is already waiting for review on this content.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} of {self.version}"

    @property
    def status_color(self) -> str:
        return {"submitted": "blue", "accepted": "green", "rejected": "red"}[self.status]


class ConcernQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """A concern is seen by its reporter, its assignee, and whoever sees its subject: its use case and,
        when it is about a model, that model (confidentiality holds for the triage team too; executives and
        platform admins see every subject)."""
        if action != "view" or not (user and user.is_authenticated and user.is_active):
            return super().restrict(user, action)
        from lifecycle.models import AIModel
        from portfolio.models import UseCase

        subject = Q(use_case__in=UseCase.objects.restrict(user, "view").values("pk")) & (
            Q(model__isnull=True) | Q(model__in=AIModel.objects.restrict(user, "view").values("pk"))
        )
        return self.filter(subject | Q(reporter=user) | Q(assignee=user))

    def still_open(self):
        return self.filter(status__in=(ConcernStatus.OPEN, ConcernStatus.TRIAGED))


class Concern(TimeStampedModel):
    """An ethical or data-ownership concern someone raised about a use case or one of its models; the
    triage team sets its severity, assignee and response deadline, then resolves or dismisses it. An
    anonymous concern keeps its reporter for the triage team but never shows it to the subject's owners."""

    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="concerns")
    model = models.ForeignKey(
        "lifecycle.AIModel", null=True, blank=True, on_delete=models.PROTECT, related_name="concerns"
    )
    kind = models.CharField(max_length=20, choices=ConcernKind.choices)
    description = models.TextField()
    anonymous = models.BooleanField(default=False, help_text="Hide the reporter's name from the subject's owners.")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=ConcernStatus.choices, default=ConcernStatus.OPEN)
    severity = models.CharField(max_length=10, choices=ConcernSeverity.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    respond_by = models.DateField(help_text="Triage, then response, deadline; overdue concerns escalate once.")
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True, help_text="The resolution, or the reason for dismissing it.")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = models.Manager.from_queryset(ConcernQuerySet)()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)
        permissions = [("triage_concern", "Can triage, resolve and dismiss concerns")]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"Concern #{self.pk} about {self.subject}"

    @property
    def subject(self):
        return self.model if self.model_id else self.use_case


# --- Emergency releases and their post-implementation reviews -------------------------------------------


class EmergencyRelease(TimeStampedModel):
    """Break-glass to production without the full review: requested by an owner with a reason, approved by two
    independent holders of the emergency function, valid for a short window and for the content approved."""

    version = models.ForeignKey("lifecycle.ModelVersion", on_delete=models.PROTECT, related_name="emergency_releases")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=12, choices=EmergencyStatus.choices, default=EmergencyStatus.REQUESTED)
    digest = models.CharField(max_length=64, help_text="Content digest of the version when it was requested.")
    artefact_digest = models.CharField(
        max_length=64, blank=True, help_text="Lifecycle's digest of the version (its `digest`) when requested."
    )
    first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_approved_at = models.DateTimeField(null=True, blank=True)
    second_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True, help_text="The second approval.")
    valid_until = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_reason = models.TextField(blank=True, help_text="Why it was refused, cancelled or expired.")
    released_at = models.DateTimeField(null=True, blank=True)
    # The review policy of the use case's tier when it was requested, and the window it was granted under.
    policy_snapshot = models.JSONField(default=dict, blank=True)

    scope_business_unit = "version__model__use_case__business_unit"
    scope_confidential = "version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)
        permissions = [("approve_emergency_release", "Can approve an emergency release")]
        constraints = [
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(status__in=["requested", "approved"]),
                name="%(app_label)s_%(class)s_one_open_per_version",
                violation_error_message="This version already has an open emergency release.",
            ),
            models.CheckConstraint(
                condition=Q(first_approver__isnull=True) | ~Q(first_approver=models.F("requested_by")),
                name="%(app_label)s_%(class)s_first_approver_not_requester",
            ),
            models.CheckConstraint(
                condition=Q(second_approver__isnull=True)
                | (
                    Q(first_approver__isnull=False)
                    & ~Q(second_approver=models.F("requested_by"))
                    & ~Q(second_approver=models.F("first_approver"))
                ),
                name="%(app_label)s_%(class)s_two_distinct_approvers",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "released"])
                | Q(second_approver__isnull=False, valid_until__isnull=False),
                name="%(app_label)s_%(class)s_approved_by_two",
            ),
        ]

    def __str__(self) -> str:
        return f"Emergency release #{self.pk} of {self.version}"

    @property
    def approvers(self) -> list:
        return [u for u in (self.first_approver, self.second_approver) if u is not None]


class PostImplementationReview(TimeStampedModel):
    """The mandatory review after an emergency release, due five business days after it reached production."""

    release = models.OneToOneField(EmergencyRelease, on_delete=models.PROTECT, related_name="pir")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=PirStatus.choices, default=PirStatus.OPEN)
    outcome = models.CharField(max_length=20, choices=PirOutcome.choices, blank=True)
    findings = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    follow_up_review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="A full review opened."
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    scope_business_unit = "release__version__model__use_case__business_unit"
    scope_confidential = "release__version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = "post-implementation review"
        default_permissions = ("view",)
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | (Q(completed_by__isnull=False) & ~Q(outcome="") & ~Q(findings="")),
                name="%(app_label)s_%(class)s_completed_with_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Post-implementation review #{self.pk} of {self.release.version}"

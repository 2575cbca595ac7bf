"""The model inventory: models, their versions, and every move of a version through the stage machine."""

from django.conf import settings
from django.db import models

from core.models import RestrictedManager, TimeStampedModel
from lifecycle.choices import STAGE_COLORS, FreezeExemptionStatus, Stage


class AIModel(TimeStampedModel):
    """A model that serves a use case, usually mirroring an MLflow registered model."""

    name = models.CharField(max_length=200, unique=True)
    use_case = models.ForeignKey("portfolio.UseCase", on_delete=models.PROTECT, related_name="models")
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="owned_models")
    description = models.TextField(blank=True)
    model_type = models.CharField(max_length=100, blank=True, help_text="e.g. gradient boosting, LLM, CNN")
    third_party = models.BooleanField(default=False)
    vendor_name = models.CharField(max_length=200, blank=True)
    confidential = models.BooleanField(default=False)
    mlflow_name = models.CharField("MLflow registered model", max_length=256, blank=True, db_index=True)
    # The promotion gate compares a candidate with the production version on this metric.
    primary_metric = models.CharField(max_length=100, blank=True, help_text="e.g. auc")
    higher_is_better = models.BooleanField(default=True)
    metric_tolerance = models.FloatField(
        default=0.0, help_text="How much worse than production a candidate may be on the primary metric."
    )

    scope_business_unit = "use_case__business_unit"
    # Its own flag or its use case's: a model of a confidential use case is confidential (core.permissions).
    scope_confidential = ("confidential", "use_case__confidential")
    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = "model"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(metric_tolerance__gte=0),
                name="%(app_label)s_%(class)s_tolerance_not_negative",
                violation_error_message="The metric tolerance cannot be negative.",
            ),
            models.UniqueConstraint(
                fields=["mlflow_name"],
                condition=~models.Q(mlflow_name=""),
                name="%(app_label)s_%(class)s_one_per_mlflow_model",
            ),
        ]
        permissions = [("register_model", "Can register models and versions")]

    def __str__(self) -> str:
        return self.name


class ModelVersion(TimeStampedModel):
    """A trained artefact of a model, moved through the stage machine by `model_version_transition` only."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=50)
    mlflow_version = models.CharField(max_length=50, blank=True)
    mlflow_run_id = models.CharField(max_length=64, blank=True)
    source_uri = models.CharField(max_length=1000, blank=True)
    framework = models.CharField(max_length=100, blank=True)
    serialization_format = models.CharField(max_length=50, blank=True, help_text="ONNX, TorchScript, pickle…")
    signature = models.JSONField(default=dict, blank=True, help_text="Input and output schema.")
    metrics = models.JSONField(default=dict, blank=True, help_text="Validation metrics from the run.")
    params = models.JSONField(default=dict, blank=True)
    # Build provenance: what was built, from which reviewed code, by which pipeline run.
    code_commit = models.CharField(max_length=64, blank=True)
    image_digest = models.CharField("container image digest", max_length=100, blank=True)
    code_review_url = models.URLField(max_length=500, blank=True)
    ci_run_url = models.URLField("CI run", max_length=500, blank=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.REGISTERED, editable=False)
    # Why an input signature incompatible with production's is accepted (set by its service, audited).
    signature_break_reason = models.TextField(blank=True, editable=False)
    # SHA-256 over the version's manifest: what a signature is bound to.
    digest = models.CharField(max_length=64, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    scope_business_unit = "model__use_case__business_unit"
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["model__name", "-created_at"]
        verbose_name = "model version"
        permissions = [("approve_modelversion", "Can approve or reject a model version after review")]
        constraints = [
            models.UniqueConstraint(fields=["model", "version"], name="%(app_label)s_%(class)s_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.version}"

    @property
    def stage_color(self) -> str:
        return STAGE_COLORS.get(self.stage, "grey")


class StageTransition(models.Model):
    """One move of a version between stages, with the gates that were checked."""

    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    gate_results = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.version}: {self.from_stage} → {self.to_stage}"


class Deployment(TimeStampedModel):
    """Where and how a version runs: environment, rollout strategy, serving, runtime profile."""

    class Environment(models.TextChoices):
        STAGING = "staging", "Staging"
        PRODUCTION = "production", "Production"

    class Strategy(models.TextChoices):
        FULL = "full", "Full"
        CANARY = "canary", "Canary"
        SHADOW = "shadow", "Shadow"
        BLUE_GREEN = "blue_green", "Blue-green"

    class Serving(models.TextChoices):
        DEDICATED = "dedicated", "Dedicated"
        SERVERLESS = "serverless", "Serverless"
        BATCH = "batch", "Batch"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="deployments")
    environment = models.CharField(max_length=12, choices=Environment.choices)
    strategy = models.CharField(max_length=12, choices=Strategy.choices, default=Strategy.FULL)
    traffic_percent = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Canary share of traffic.")
    serving_type = models.CharField(max_length=12, choices=Serving.choices, default=Serving.DEDICATED)
    endpoint = models.CharField(max_length=500, blank=True)
    # Regions, replicas and autoscaling bounds, warm pool, gateway and auth, where requests are logged.
    runtime = models.JSONField(default=dict, blank=True)
    # The same, as fields a page can validate and a reviewer can read (recorded through deployment_record).
    target_platform = models.CharField(
        "target platform", max_length=100, blank=True, help_text="e.g. Kubernetes (EKS), SageMaker, Vertex AI"
    )
    regions = models.JSONField(default=list, blank=True, help_text='e.g. ["eu-west-1", "eu-central-1"]')
    replicas = models.PositiveSmallIntegerField(null=True, blank=True)
    min_replicas = models.PositiveSmallIntegerField("autoscaling minimum", null=True, blank=True)
    max_replicas = models.PositiveSmallIntegerField("autoscaling maximum", null=True, blank=True)
    gateway = models.CharField(max_length=200, blank=True, help_text="e.g. Kong, Apigee, AWS API Gateway")
    authentication = models.CharField(max_length=200, blank=True, help_text="e.g. mTLS, OAuth2 client credentials")
    image_digest = models.CharField("container image digest", max_length=100, blank=True)
    inference_log_destination = models.CharField(
        "inference logs go to", max_length=500, blank=True, help_text="e.g. s3://inference-logs/fraud/"
    )
    inference_log_retention_days = models.PositiveIntegerField("inference logs kept (days)", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    deployed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = "version__model__use_case__business_unit"
    scope_confidential = "version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(strategy="canary") | models.Q(traffic_percent__gte=1, traffic_percent__lte=99),
                name="%(app_label)s_%(class)s_canary_share",
                violation_error_message="A canary takes between 1 and 99 percent of the traffic.",
            ),
            models.CheckConstraint(
                condition=models.Q(min_replicas__isnull=True)
                | models.Q(max_replicas__isnull=True)
                | models.Q(min_replicas__lte=models.F("max_replicas")),
                name="%(app_label)s_%(class)s_autoscaling_bounds",
                violation_error_message="The autoscaling minimum cannot exceed the maximum.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} in {self.environment} ({self.strategy})"


class FreezeWindow(TimeStampedModel):
    """A period when production deployments are frozen, except with an emergency approval."""

    name = models.CharField(max_length=200)
    start = models.DateTimeField()
    end = models.DateTimeField()
    environments = models.JSONField(default=list, help_text='e.g. ["production"]')
    reason = models.TextField(blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="%(app_label)s_%(class)s_ends_after_start",
                violation_error_message="A freeze window must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EmergencyApproval(models.Model):
    """Break-glass: an exemption from a freeze window for one version, requested by one person and approved by
    another (re-authenticated); valid until the window ends and used by one move into production."""

    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="emergency_approvals")
    window = models.ForeignKey(
        FreezeWindow, null=True, blank=True, on_delete=models.PROTECT, related_name="exemptions", editable=False
    )
    status = models.CharField(
        max_length=20, choices=FreezeExemptionStatus.choices, default=FreezeExemptionStatus.REQUESTED, editable=False
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    reason = models.TextField()
    at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_comment = models.TextField(blank=True, editable=False)
    valid_until = models.DateTimeField(null=True, blank=True, editable=False, help_text="The window's end.")
    used_at = models.DateTimeField(null=True, blank=True, editable=False)

    scope_business_unit = "version__model__use_case__business_unit"
    scope_confidential = "version__model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-at"]
        verbose_name = "freeze exemption"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requested_by=models.F("approved_by")),
                name="%(app_label)s_%(class)s_two_people",
                violation_error_message="An emergency approval needs a second person.",
            ),
        ]

    def __str__(self) -> str:
        return f"Freeze exemption #{self.pk} for {self.version}"


class Incident(TimeStampedModel):
    """Something that went wrong in production and what was done: a rollback, an alias moved by hand."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=30)
    description = models.TextField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    scope_business_unit = "model__use_case__business_unit"
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]

    @property
    def kind_label(self) -> str:
        return self.kind.replace("_", " ").capitalize()

    def __str__(self) -> str:
        return f"{self.model} {self.kind}"


# --- Datasets and lineage ---------------------------------------------------------------------------


class Dataset(TimeStampedModel):
    """A governed data set that versions are trained, validated or checked against."""

    class Sensitivity(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"
        CONFIDENTIAL = "confidential", "Confidential"
        RESTRICTED_PERSONAL = "restricted_personal", "Restricted personal data"

    class Mode(models.TextChoices):
        BATCH = "batch", "Batch"
        STREAMING = "streaming", "Streaming"

    name = models.CharField(max_length=300, unique=True)
    description = models.TextField(blank=True)
    source_system = models.CharField(max_length=200, blank=True)
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="stewarded_datasets"
    )
    business_unit = models.ForeignKey(
        "portfolio.BusinessUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="datasets"
    )

    class LawfulBasis(models.TextChoices):
        # GDPR article 6(1)
        CONSENT = "consent", "Consent"
        CONTRACT = "contract", "Contract"
        LEGAL_OBLIGATION = "legal_obligation", "Legal obligation"
        VITAL_INTERESTS = "vital_interests", "Vital interests"
        PUBLIC_TASK = "public_task", "Public task"
        LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests"

    class Treatment(models.TextChoices):
        NONE = "none", "None (used as collected)"
        PSEUDONYMISED = "pseudonymised", "Pseudonymised"
        ANONYMISED = "anonymised", "Anonymised"
        AGGREGATED = "aggregated", "Aggregated"
        DIFFERENTIAL_PRIVACY = "differential_privacy", "Differential privacy"

    sensitivity = models.CharField(max_length=20, choices=Sensitivity.choices, default=Sensitivity.INTERNAL)
    personal_data = models.BooleanField(default=False, help_text="Does it hold data about identifiable people?")
    lawful_basis = models.CharField(
        max_length=25, choices=LawfulBasis.choices, blank=True, help_text="Why the personal data may be processed."
    )
    treatment = models.CharField(
        max_length=25,
        choices=Treatment.choices,
        blank=True,
        help_text="How the personal data was made fit for modelling, as its registrant declares it.",
    )
    update_frequency = models.CharField(max_length=50, blank=True, help_text="e.g. daily, hourly, on demand")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.BATCH)
    retention_days = models.PositiveIntegerField(null=True, blank=True, help_text="How long the data is kept.")
    version_uri = models.CharField(max_length=1000, blank=True, help_text="DVC or MLflow dataset URI")
    completeness = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Share of expected records present, %"
    )
    synthetic = models.BooleanField(default=False)
    generation_method = models.TextField(blank=True, help_text="How synthetic data was generated")
    generated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="synthetic_derivatives"
    )

    scope_business_unit = "business_unit"
    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completeness__isnull=True) | models.Q(completeness__gte=0, completeness__lte=100),
                name="%(app_label)s_%(class)s_completeness_percent",
                violation_error_message="Completeness is a percentage between 0 and 100.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_privacy_treatment(self) -> bool:
        return self.sensitivity == self.Sensitivity.RESTRICTED_PERSONAL


class DatasetSchemaVersion(models.Model):
    """One registered shape of a dataset; a break (a column gone or retyped) is flagged to its users."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="schema_versions")
    number = models.PositiveIntegerField()
    columns = models.JSONField(help_text='[{"name": "amount", "type": "double"}, …]')
    breaking = models.BooleanField(default=False)
    changes = models.JSONField(default=list, blank=True, help_text="What changed since the previous schema")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="%(app_label)s_%(class)s_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset} schema {self.number}"


class PrivacyTreatment(models.Model):
    """How restricted personal data was made fit for modelling, and who approved it."""

    class Method(models.TextChoices):
        ANONYMISATION = "anonymisation", "Anonymisation"
        PSEUDONYMISATION = "pseudonymisation", "Pseudonymisation"
        DIFFERENTIAL_PRIVACY = "differential_privacy", "Differential privacy"
        AGGREGATION = "aggregation", "Aggregation"

    dataset = models.OneToOneField(Dataset, on_delete=models.PROTECT, related_name="privacy_treatment")
    method = models.CharField(max_length=25, choices=Method.choices)
    technique = models.TextField(help_text="e.g. salted SHA-256 of customer ids; k-anonymity k=10 on postcode")
    dp_epsilon = models.FloatField(null=True, blank=True)
    dp_delta = models.FloatField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_method_display()} of {self.dataset}"


class VersionDataset(models.Model):
    """Lineage: a dataset a version was trained, validated or is checked against."""

    class Role(models.TextChoices):
        TRAINING = "training", "Training"
        VALIDATION = "validation", "Validation"
        REFERENCE = "reference", "Reference"

    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="dataset_links")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="version_links")
    role = models.CharField(max_length=12, choices=Role.choices)
    schema_version = models.ForeignKey(
        DatasetSchemaVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The exact data the version saw: part of the version's digest, so a new revision resets its sign-offs.
    revision = models.CharField(
        max_length=200, blank=True, help_text="MLflow dataset digest, DVC commit or lakeFS commit/reference"
    )
    content_hash = models.CharField(max_length=128, blank=True, help_text="Hash of the data files, e.g. SHA-256")

    class Meta:
        ordering = ["role", "dataset__name"]
        constraints = [
            models.UniqueConstraint(fields=["version", "dataset", "role"], name="%(app_label)s_%(class)s_unique_link"),
        ]

    def __str__(self) -> str:
        return f"{self.version} ← {self.dataset} ({self.role})"


# --- Consumers and decommissioning --------------------------------------------------------------------


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class DownstreamConsumer(TimeStampedModel):
    """A system that calls a model: who to tell before it changes or goes away."""

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="consumers")
    system = models.CharField(max_length=200)
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_email = models.EmailField(blank=True)
    criticality = models.CharField(max_length=10, choices=Criticality.choices, default=Criticality.MEDIUM)

    scope_business_unit = "model__use_case__business_unit"
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["model", "system"]
        constraints = [
            models.UniqueConstraint(fields=["model", "system"], name="%(app_label)s_%(class)s_unique_system"),
        ]

    def __str__(self) -> str:
        return f"{self.system} (calls {self.model})"


class DecommissionPlan(TimeStampedModel):
    """Retiring a model (or one version): approved, announced to its consumers, checked off, then retired."""

    class Reason(models.TextChoices):
        PERFORMANCE_DECAY = "performance_decay", "Performance decay"
        REPLACED = "replaced", "Replaced"
        NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
        REGULATORY = "regulatory", "Regulatory"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        ANNOUNCED = "announced", "Announced"
        RETIRED = "retired", "Retired"
        CANCELLED = "cancelled", "Cancelled"

    model = models.ForeignKey(AIModel, on_delete=models.PROTECT, related_name="decommission_plans")
    version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decommission_plans",
        help_text="Empty: the whole model.",
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    explanation = models.TextField(blank=True)
    replacement = models.ForeignKey(
        AIModel, null=True, blank=True, on_delete=models.PROTECT, related_name="replaces_plans"
    )
    sunset_date = models.DateField()
    notice_days = models.PositiveIntegerField(help_text="The notice period that applied when it was planned.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    owner_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    owner_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    validator_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    validator_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    # [{"code", "name", "permission"}]: the review-board functions the tier required when it was planned.
    required_functions = models.JSONField(default=list, blank=True, editable=False)
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The checklist the service enforces before retirement.
    archive_location = models.CharField(max_length=1000, blank=True)
    archive_checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the archive")
    predictions_location = models.CharField(max_length=1000, blank=True)
    resources_reclaimed = models.BooleanField(default=False)
    monthly_cost_saved = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    documentation_updated = models.BooleanField(default=False)
    postmortem = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    scope_business_unit = "model__use_case__business_unit"
    scope_confidential = "model__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open plan per model, and one per version (two constraints: NULL versions never collide).
            models.UniqueConstraint(
                fields=["model"],
                condition=models.Q(status__in=["draft", "approved", "announced"], version__isnull=True),
                name="%(app_label)s_%(class)s_one_open_model_plan",
            ),
            models.UniqueConstraint(
                fields=["version"],
                condition=models.Q(status__in=["draft", "approved", "announced"]),
                name="%(app_label)s_%(class)s_one_open_version_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"Decommission {self.version or self.model}"


class DecommissionApproval(models.Model):
    """A review-board function's approval of a decommission plan, one per function the tier requires."""

    plan = models.ForeignKey(DecommissionPlan, on_delete=models.PROTECT, related_name="function_approvals")
    function = models.CharField(max_length=30)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["approved_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "function"], name="%(app_label)s_%(class)s_once_per_function"),
        ]

    def __str__(self) -> str:
        return f"{self.function} approval of {self.plan}"


class ConsumerNotice(models.Model):
    """A consumer told of a decommission, and whether they acknowledged it."""

    plan = models.ForeignKey(DecommissionPlan, on_delete=models.PROTECT, related_name="notices")
    consumer = models.ForeignKey(DownstreamConsumer, on_delete=models.PROTECT, related_name="notices")
    notified_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["consumer__system"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "consumer"], name="%(app_label)s_%(class)s_once_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer.system} told of {self.plan}"


# --- Discovery in MLflow ------------------------------------------------------------------------------


class MlflowProposal(TimeStampedModel):
    """Something found in MLflow that Lodestar does not govern yet: a registered model, or a new version
    of a governed one. A data scientist accepts (registers it) or dismisses it."""

    class Kind(models.TextChoices):
        NEW_MODEL = "new_model", "New model"
        NEW_VERSION = "new_version", "New version"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    mlflow_name = models.CharField(max_length=256)
    mlflow_version = models.CharField(max_length=50)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField(blank=True)
    use_case = models.ForeignKey(
        "portfolio.UseCase", null=True, blank=True, on_delete=models.PROTECT, related_name="mlflow_proposals"
    )
    use_case_tag = models.CharField(max_length=50, blank=True, help_text="The lodestar.use_case tag found in MLflow")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "use_case__confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mlflow_name", "mlflow_version"], name="%(app_label)s_%(class)s_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mlflow_name} v{self.mlflow_version}"

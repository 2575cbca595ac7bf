"""The model inventory: models, their versions, and every move of a version through the stage machine."""

from django.conf import settings
from django.db import models

from core.models import RestrictedManager, TimeStampedModel
from lifecycle.choices import STAGE_COLORS, Stage


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

    scope_business_unit = "use_case__business_unit"
    scope_confidential = "confidential"
    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = "model"
        constraints = [
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
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.REGISTERED, editable=False)
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

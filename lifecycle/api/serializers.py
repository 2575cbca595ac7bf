from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.permissions import confidential_source
from lifecycle.choices import Stage
from lifecycle.datasets import DATASET_FIELDS
from lifecycle.models import (
    AIModel,
    ConsumerNotice,
    Dataset,
    DatasetSchemaVersion,
    DecommissionApproval,
    DecommissionPlan,
    Deployment,
    DownstreamConsumer,
    FreezeWindow,
    ModelVersion,
    PrivacyTreatment,
    StageTransition,
    VersionDataset,
)
from lifecycle.services import DEPLOYMENT_FIELDS
from portfolio.models import UseCase


class EffectiveConfidentialField(serializers.BooleanField):
    """Read: true when the record or anything above it (its model, its use case) is confidential, as the
    scoping decides; written (where the record has a flag of its own): the record's own flag. Lists read the
    selector's annotation (`values_column`), so it costs no query per row."""

    values_column = "confidential_effective"

    def get_attribute(self, instance):
        return confidential_source(instance) is not None


class ConfidentialSourceField(serializers.CharField):
    """Which record's flag makes this one confidential (`use_case`, `model`...), widest first; null when none."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def get_attribute(self, instance):
        return confidential_source(instance)


class AIModelSerializer(serializers.ModelSerializer):
    confidential = EffectiveConfidentialField(
        required=False, help_text="True when the model or its use case is confidential; written: the model's own flag."
    )
    confidential_source = ConfidentialSourceField()

    class Meta:
        model = AIModel
        fields = [
            "id",
            "name",
            "use_case",
            "mlflow_name",
            "owners",
            "confidential",
            "confidential_source",
            "description",
            "model_type",
            "third_party",
            "vendor_name",
            "primary_metric",
            "higher_is_better",
            "metric_tolerance",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"owners": {"required": False}}


class ModelVersionSerializer(serializers.ModelSerializer):
    confidential = EffectiveConfidentialField(read_only=True, help_text="True when its model or use case is.")
    confidential_source = ConfidentialSourceField()

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "model",
            "version",
            "mlflow_version",
            "mlflow_run_id",
            "stage",
            "digest",
            "source_uri",
            "framework",
            "serialization_format",
            "signature",
            "metrics",
            "params",
            "code_commit",
            "image_digest",
            "code_review_url",
            "ci_run_url",
            "submitted_by",
            "signature_break_reason",
            "confidential",
            "confidential_source",
            "created_at",
        ]
        # The stage changes only through `transition`; the digest is computed.
        read_only_fields = ["stage", "digest", "submitted_by", "signature_break_reason", "created_at"]
        validators = []  # duplicates are refused by the service with a 409 in words


class TransitionRequestSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class VersionImportRequestSerializer(serializers.Serializer):
    mlflow_name = serializers.CharField(max_length=256)
    mlflow_version = serializers.CharField(max_length=50)
    use_case = serializers.PrimaryKeyRelatedField(queryset=UseCase.objects.all())


class StageTransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = StageTransition
        fields = ["id", "from_stage", "to_stage", "actor", "reason", "gate_results", "at"]


class ProductionAtSerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    version_label = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    moved_by = serializers.CharField(allow_blank=True)


class DeploymentSerializer(serializers.ModelSerializer):
    regions = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, help_text='e.g. ["eu-west-1", "eu-central-1"]'
    )

    class Meta:
        model = Deployment
        # The fields the deployment page's form takes (one tuple, lifecycle.services.DEPLOYMENT_FIELDS); the status
        # follows the version's stage (active in production, ended when it leaves), never set by hand.
        fields = ["id", "version", *DEPLOYMENT_FIELDS, "runtime", "status", "started_at", "ended_at", "deployed_by"]
        read_only_fields = ["deployed_by", "status", "started_at", "ended_at"]
        validators = []


class FreezeWindowSerializer(serializers.ModelSerializer):
    environments = serializers.ListField(
        child=serializers.ChoiceField(choices=Deployment.Environment.choices), default=["production"]
    )

    class Meta:
        model = FreezeWindow
        fields = ["id", "name", "start", "end", "environments", "reason"]
        validators = []


class RollbackSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ColumnSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    type = serializers.CharField(max_length=100, required=False, allow_blank=True)


class DatasetSerializer(serializers.ModelSerializer):
    columns = ColumnSerializer(many=True, write_only=True, required=False, help_text="The first schema, if known.")
    has_privacy_treatment = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        # The fields `dataset_register`/`dataset_update` take (one tuple, lifecycle.datasets.DATASET_FIELDS), as
        # the dataset page's form does.
        fields = ["id", "name", *DATASET_FIELDS, "columns", "has_privacy_treatment", "created_at"]
        read_only_fields = ["created_at"]
        # A duplicate name is refused by the service with a 409 in words.
        extra_kwargs = {"name": {"validators": []}}

    def get_has_privacy_treatment(self, dataset) -> bool:
        return hasattr(dataset, "privacy_treatment")


class DatasetSchemaVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DatasetSchemaVersion
        fields = ["id", "number", "columns", "breaking", "changes", "registered_by", "created_at"]
        read_only_fields = fields


class SchemaRegisterSerializer(serializers.Serializer):
    columns = ColumnSerializer(many=True)


class PrivacyTreatmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrivacyTreatment
        fields = ["method", "technique", "dp_epsilon", "dp_delta", "approved_by", "approved_at"]
        read_only_fields = ["approved_by", "approved_at"]


class VersionDatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = VersionDataset
        fields = ["id", "version", "dataset", "role", "schema_version", "revision", "content_hash"]
        read_only_fields = ["id", "version", "schema_version"]


class CatalogueImportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv", "openlineage"])
    content = serializers.CharField(help_text="The CSV text, or OpenLineage events as a JSON list or JSON lines.")


class CatalogueImportResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    schemas = serializers.ListField(child=serializers.CharField())
    errors = serializers.ListField(child=serializers.CharField())


class DownstreamConsumerSerializer(serializers.ModelSerializer):
    class Meta:
        model = DownstreamConsumer
        fields = ["id", "model", "system", "contact", "contact_email", "criticality"]
        read_only_fields = ["id", "model"]
        validators = []  # a duplicate system is refused by the service with a 409 in words


class ConsumerNoticeSerializer(serializers.ModelSerializer):
    system = serializers.CharField(source="consumer.system", read_only=True)

    class Meta:
        model = ConsumerNotice
        fields = ["id", "consumer", "system", "notified_at", "acknowledged_at", "acknowledged_by", "note"]
        read_only_fields = fields


class DecommissionApprovalSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecommissionApproval
        fields = ["function", "approved_by", "approved_at"]
        read_only_fields = fields


class DecommissionPlanSerializer(serializers.ModelSerializer):
    notices = ConsumerNoticeSerializer(many=True, read_only=True)
    function_approvals = DecommissionApprovalSerializer(many=True, read_only=True)
    required_functions = serializers.SerializerMethodField(
        help_text="Codes of the review-board functions whose approval the plan needs (from its tier's policy)."
    )
    missing = serializers.SerializerMethodField(help_text="What is still missing before retirement, in words.")

    class Meta:
        model = DecommissionPlan
        fields = [
            "id",
            "model",
            "version",
            "reason",
            "explanation",
            "replacement",
            "sunset_date",
            "notice_days",
            "status",
            "created_by",
            "owner_approved_by",
            "validator_approved_by",
            "required_functions",
            "function_approvals",
            "announced_at",
            "archive_location",
            "archive_checksum",
            "predictions_location",
            "resources_reclaimed",
            "monthly_cost_saved",
            "documentation_updated",
            "postmortem",
            "lessons_learned",
            "retired_at",
            "notices",
            "missing",
        ]
        # Creation takes the plan; the checklist changes through `checklist`, the status through the steps.
        read_only_fields = [
            "notice_days",
            "status",
            "created_by",
            "owner_approved_by",
            "validator_approved_by",
            "announced_at",
            "archive_location",
            "archive_checksum",
            "predictions_location",
            "resources_reclaimed",
            "monthly_cost_saved",
            "documentation_updated",
            "postmortem",
            "lessons_learned",
            "retired_at",
        ]

    def get_required_functions(self, plan) -> list[str]:
        return [f["code"] for f in plan.required_functions]

    def get_missing(self, plan) -> list[str]:
        from lifecycle.decommissioning import checklist_missing

        return checklist_missing(plan) if plan.status in ("approved", "announced") else []


class DecommissionChecklistSerializer(serializers.ModelSerializer):
    class Meta:
        model = DecommissionPlan
        fields = [
            "archive_location",
            "archive_checksum",
            "predictions_location",
            "resources_reclaimed",
            "monthly_cost_saved",
            "documentation_updated",
            "postmortem",
            "lessons_learned",
        ]


class PlanApprovalSerializer(serializers.Serializer):
    as_role = serializers.CharField(
        max_length=30, help_text="owner, validator, or the code of a review-board function the plan requires."
    )


class NoticeAcknowledgeSerializer(serializers.Serializer):
    notice = serializers.IntegerField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class StepReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class HandoverSerializer(serializers.Serializer):
    owners = serializers.PrimaryKeyRelatedField(many=True, queryset=get_user_model().objects.filter(is_active=True))
    checklist = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="documentation_reviewed, open_work_briefed, access_granted, contacts_updated: all true.",
    )
    reason = serializers.CharField(max_length=2000)

from rest_framework import serializers

from lifecycle.choices import Stage
from lifecycle.models import AIModel, Deployment, FreezeWindow, ModelVersion, StageTransition
from portfolio.models import UseCase


class AIModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = AIModel
        fields = [
            "id",
            "name",
            "use_case",
            "mlflow_name",
            "owners",
            "confidential",
            "description",
            "model_type",
            "third_party",
            "vendor_name",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"owners": {"required": False}, "confidential": {"required": False}}


class ModelVersionSerializer(serializers.ModelSerializer):
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
            "submitted_by",
            "created_at",
        ]
        # The stage changes only through `transition`; the digest is computed.
        read_only_fields = ["stage", "digest", "submitted_by", "created_at"]
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
    class Meta:
        model = Deployment
        fields = [
            "id",
            "version",
            "environment",
            "strategy",
            "traffic_percent",
            "serving_type",
            "endpoint",
            "runtime",
            "status",
            "started_at",
            "ended_at",
            "deployed_by",
        ]
        read_only_fields = ["deployed_by"]
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

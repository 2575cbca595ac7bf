from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lifecycle.models import AIModel
from sourcing.choices import EvaluationDecision, TrialOutcome
from sourcing.models import ApprovedStandard, SandboxTrial, TechnologyEvaluation, Vendor


class SuppliedModelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VendorSerializer(serializers.ModelSerializer):
    """A vendor; `models` lists the supplied inventory models the caller may see."""

    models = serializers.SerializerMethodField()

    class Meta:
        model = Vendor
        fields = [
            "id",
            "name",
            "services",
            "due_diligence",
            "data_ownership_clause",
            "data_handling_clause",
            "lock_in_risk",
            "exit_strategy",
            "data_portability",
            "last_assessed_on",
            "notes",
            "models",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        # Uniqueness is the service's to check (a 400 naming the field), not a query of the serializer's.
        extra_kwargs = {"name": {"validators": []}}

    @extend_schema_field(SuppliedModelRefSerializer(many=True))
    def get_models(self, vendor):
        links = getattr(vendor, "visible_supplies", [])
        return [{"id": link.model_id, "name": link.model.name} for link in links]


class VendorModelLinkSerializer(serializers.Serializer):
    model = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all())


class TechnologyEvaluationSerializer(serializers.ModelSerializer):
    """An evaluation; `status`, `decision` and who decided change only through `decide` and trials."""

    net_annual_benefit = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True)
    payback_months = serializers.FloatField(read_only=True, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all(), required=False)
    # Empty until the evaluation is decided.
    decision = serializers.ChoiceField(choices=EvaluationDecision.choices, read_only=True, allow_blank=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None, allow_null=True)
    trial_count = serializers.IntegerField(read_only=True, default=0)
    passed_trial_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = TechnologyEvaluation
        fields = [
            "id",
            "name",
            "category",
            "vendor",
            "summary",
            "build_or_buy",
            "licence_model",
            "one_off_cost",
            "annual_cost",
            "annual_benefit",
            "net_annual_benefit",
            "payback_months",
            "lock_in_risk",
            "lock_in_notes",
            "owner",
            "status",
            "decision",
            "rationale",
            "trial_waiver",
            "decided_by",
            "decided_at",
            "trial_count",
            "passed_trial_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "decision", "rationale", "trial_waiver", "decided_at", "created_at", "updated_at"]


class EvaluationDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=EvaluationDecision.choices)
    rationale = serializers.CharField(max_length=8000, required=False, allow_blank=True)
    trial_waiver = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class SandboxTrialSerializer(serializers.ModelSerializer):
    """A sandbox trial; `outcome` and `findings` are set by `close`."""

    # Empty while the trial runs.
    outcome = serializers.ChoiceField(choices=TrialOutcome.choices, read_only=True, allow_blank=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    closed_by = serializers.CharField(source="closed_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = SandboxTrial
        fields = [
            "id",
            "evaluation",
            "start",
            "end",
            "goals",
            "outcome",
            "findings",
            "created_by",
            "created_at",
            "closed_by",
            "closed_at",
        ]
        read_only_fields = ["outcome", "findings", "created_at", "closed_at"]


class TrialCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TrialOutcome.choices)
    findings = serializers.CharField(max_length=8000, required=False, allow_blank=True)


class ApprovedStandardSerializer(serializers.ModelSerializer):
    """A standard or reference architecture; approving it (create) needs `sourcing.approve_standard`;
    `status`, `approved_by` and `approved_at` are the service's."""

    approved_by = serializers.CharField(source="approved_by.username", read_only=True)
    retired_by = serializers.CharField(source="retired_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ApprovedStandard
        fields = [
            "id",
            "name",
            "kind",
            "description",
            "link",
            "evaluation",
            "status",
            "approved_by",
            "approved_at",
            "review_date",
            "retired_by",
            "retired_at",
            "retirement_reason",
        ]
        read_only_fields = ["status", "approved_at", "retired_at", "retirement_reason"]
        # Uniqueness is the service's to check (a 400 naming the field), not a query of the serializer's.
        extra_kwargs = {"name": {"validators": []}}


class StandardUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=8000, required=False)
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    review_date = serializers.DateField(required=False)

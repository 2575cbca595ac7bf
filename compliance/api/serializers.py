from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from compliance.choices import ExternalAuditStatus
from compliance.models import AuditFinding, Control, Evidence, ExternalAudit, FollowUp, Framework, Requirement
from governance.choices import Tier
from lifecycle.models import ModelVersion
from portfolio.models import UseCase


class RequirementSerializer(serializers.ModelSerializer):
    controls = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Requirement
        fields = ["id", "reference", "title", "summary", "withdrawn", "controls"]


class FrameworkSerializer(serializers.ModelSerializer):
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Framework
        fields = ["id", "code", "name", "revision", "summary", "requirements"]


class ControlMappingSerializer(serializers.Serializer):
    framework = serializers.CharField(source="requirement.framework.code")
    reference = serializers.CharField(source="requirement.reference")
    withdrawn = serializers.BooleanField(source="requirement.withdrawn")


class ControlSerializer(serializers.ModelSerializer):
    tiers = serializers.ListField(child=serializers.ChoiceField(choices=Tier.choices), read_only=True)
    requirements = ControlMappingSerializer(source="requirement_links", many=True, read_only=True)

    class Meta:
        model = Control
        fields = ["id", "code", "title", "description", "tiers", "requirements"]


class EvidenceSerializer(serializers.ModelSerializer):
    """Reading evidence; POST (JSON or multipart) submits new evidence for review."""

    control = serializers.SlugRelatedField(slug_field="code", queryset=Control.objects.all())
    use_case = serializers.PrimaryKeyRelatedField(queryset=UseCase.objects.all())
    model_version = serializers.PrimaryKeyRelatedField(
        source="version", queryset=ModelVersion.objects.all(), required=False, allow_null=True
    )
    file = serializers.FileField(write_only=True, required=False, allow_empty_file=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", read_only=True, default=None, allow_null=True)
    valid = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "control",
            "use_case",
            "model_version",
            "kind",
            "file",
            "filename",
            "size",
            "sha256",
            "url",
            "text",
            "description",
            "submitted_by",
            "created_at",
            "status",
            "reviewer",
            "reviewed_at",
            "review_comment",
            "expires_on",
            "stale",
            "stale_reason",
            "valid",
        ]
        read_only_fields = [
            "filename",
            "size",
            "sha256",
            "created_at",
            "status",
            "reviewed_at",
            "review_comment",
            "stale",
            "stale_reason",
        ]
        extra_kwargs = {"url": {"required": False}, "text": {"required": False}, "description": {"required": False}}

    def get_valid(self, evidence) -> bool:
        return evidence.is_valid_on(timezone.localdate())


class EvidenceReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    expires_on = serializers.DateField(required=False, allow_null=True)


class CoverageControlSerializer(serializers.Serializer):
    code = serializers.CharField(source="control.code")
    title = serializers.CharField(source="control.title")
    valid = serializers.BooleanField()
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, state) -> list[int]:
        return [e.pk for e in state.evidence]


class FrameworkCoverageSerializer(serializers.Serializer):
    framework = serializers.CharField(source="framework.code")
    framework_name = serializers.CharField(source="framework.name")
    required = serializers.IntegerField()
    covered = serializers.IntegerField()
    percent = serializers.IntegerField(allow_null=True)
    missing = serializers.SerializerMethodField()
    controls = CoverageControlSerializer(many=True)

    def get_missing(self, coverage) -> list[str]:
        return [control.code for control in coverage.missing]


class UseCaseCoverageSerializer(serializers.Serializer):
    use_case = serializers.IntegerField(source="use_case.pk")
    code = serializers.CharField(source="use_case.code")
    risk_tier = serializers.CharField(source="use_case.risk_tier")
    frameworks = FrameworkCoverageSerializer(many=True)


class _VisibleUseCases(serializers.ManyRelatedField):
    """The use cases in an audit's scope that the caller may see (prefetched by the selector)."""

    def get_attribute(self, instance):
        return getattr(instance, "visible_use_cases", [])


class ExternalAuditSerializer(serializers.ModelSerializer):
    """An external audit; `use_cases` lists (and accepts) only use cases the caller may see; `status` moves
    through `transition`."""

    frameworks = serializers.PrimaryKeyRelatedField(many=True, queryset=Framework.objects.all(), required=False)
    use_cases = _VisibleUseCases(
        child_relation=serializers.PrimaryKeyRelatedField(queryset=UseCase.objects.none()), required=False
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    closed_by = serializers.CharField(source="closed_by.username", read_only=True, default=None, allow_null=True)
    finding_count = serializers.IntegerField(read_only=True, default=0)
    open_follow_up_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = ExternalAudit
        fields = [
            "id",
            "auditor",
            "lead_auditor",
            "scope",
            "frameworks",
            "use_cases",
            "start_date",
            "end_date",
            "status",
            "report_link",
            "finding_count",
            "open_follow_up_count",
            "created_by",
            "created_at",
            "closed_by",
            "closed_at",
        ]
        read_only_fields = ["status", "created_at", "closed_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        field = self.fields.get("use_cases")
        if request is not None and field is not None:
            field.child_relation.queryset = UseCase.objects.restrict(request.user, "view")


class AuditTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=ExternalAuditStatus.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class FollowUpSerializer(serializers.ModelSerializer):
    """An action on an audit finding; `status` and the completion note are set by `complete`."""

    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    completed_by = serializers.CharField(source="completed_by.username", read_only=True, default=None, allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "finding",
            "description",
            "owner",
            "due_date",
            "status",
            "overdue",
            "completion_note",
            "completed_by",
            "completed_at",
            "created_at",
        ]
        read_only_fields = ["status", "completion_note", "completed_at", "created_at"]


class FollowUpCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class AuditFindingSerializer(serializers.ModelSerializer):
    """A finding of an external audit, with its follow-ups; accepting its risk goes through `accept-risk`."""

    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.all())
    risk_accepted = serializers.BooleanField(read_only=True)
    risk_accepted_by = serializers.CharField(
        source="risk_accepted_by.username", read_only=True, default=None, allow_null=True
    )
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = AuditFinding
        fields = [
            "id",
            "audit",
            "reference",
            "severity",
            "description",
            "owner",
            "due_date",
            "risk_accepted",
            "risk_accepted_reason",
            "risk_accepted_by",
            "risk_accepted_at",
            "follow_ups",
            "created_at",
        ]
        read_only_fields = ["risk_accepted_reason", "risk_accepted_at", "created_at"]
        validators = []

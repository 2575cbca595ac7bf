from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.choices import (
    ConcernSeverity,
    Course,
    Decision,
    ExplainabilityMethod,
    PirOutcome,
    RequirementState,
    SectionState,
    TestEvidenceKind,
    Tier,
    ValidationMethod,
)
from governance.models import (
    FUNCTION_CODES,
    BiasAssessment,
    Concern,
    EmergencyRelease,
    Finding,
    PostImplementationReview,
    Questionnaire,
    Review,
    ReviewPolicy,
    RiskAssessment,
    SignOff,
    TestEvidence,
    TrainingRecord,
)
from governance.selectors import reporter_shown, review_progress
from lifecycle.models import AIModel, EmergencyApproval, ModelVersion
from portfolio.models import UseCase


class QuestionnaireSerializer(serializers.ModelSerializer):
    class Meta:
        model = Questionnaire
        fields = ["version", "title", "questions"]


class RiskAssessmentSerializer(serializers.ModelSerializer):
    use_case = serializers.PrimaryKeyRelatedField(queryset=UseCase.objects.all())
    use_case_code = serializers.CharField(source="use_case.code", read_only=True)
    questionnaire = serializers.IntegerField(source="questionnaire.version", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, default=None, allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "use_case",
            "use_case_code",
            "questionnaire",
            "answers",
            "status",
            "eu_category",
            "tier",
            "reasons",
            "author",
            "submitted_at",
            "approved_by",
            "approved_at",
            "reassessment_due",
        ]
        read_only_fields = [f for f in fields if f not in ("use_case", "answers")]
        validators = []  # the service checks permission first, then says in words what is in progress


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class TrainingRecordSerializer(serializers.ModelSerializer):
    """A completed training with its expiry; POST records one (platform admins). `user` is the person's id."""

    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    user_name = serializers.SerializerMethodField()
    course = serializers.ChoiceField(choices=Course.choices, default=Course.AI_LITERACY)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = TrainingRecord
        fields = ["id", "user", "user_name", "course", "completed_on", "expires_on", "source", "recorded_by"]
        read_only_fields = ["source"]

    def get_user_name(self, obj) -> str:
        return obj.user.get_full_name() or obj.user.get_username()


class ThresholdSerializer(serializers.Serializer):
    metric = serializers.CharField(max_length=100)
    operator = serializers.ChoiceField(choices=[">=", ">", "<=", "<"])
    value = serializers.FloatField()


class ReviewPolicySerializer(serializers.ModelSerializer):
    """Reading every version; POST makes the next version of a tier's policy (admins only)."""

    tier = serializers.ChoiceField(choices=Tier.choices)
    required_functions = serializers.ListField(child=serializers.ChoiceField(choices=FUNCTION_CODES), required=False)
    metric_thresholds = ThresholdSerializer(many=True, required=False)
    model_card_sections = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    required_test_evidence = serializers.ListField(
        child=serializers.ChoiceField(choices=TestEvidenceKind.choices), required=False
    )
    reason = serializers.CharField(max_length=2000)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = ReviewPolicy
        fields = [
            "id",
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
            "reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["version", "created_at"]
        extra_kwargs = {
            "bias_assessment_required": {"required": False},
            "approval_validity_days": {"required": False},
            "reassessment_cadence_days": {"required": False},
            "decommission_notice_days": {"required": False},
        }
        validators = []


class SignedFunctionSerializer(serializers.Serializer):
    function = serializers.CharField()
    decision = serializers.CharField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField()


class ReviewSerializer(serializers.ModelSerializer):
    model_version = serializers.PrimaryKeyRelatedField(source="version", read_only=True)
    model_version_label = serializers.CharField(source="version.__str__", read_only=True)
    required_functions = serializers.ListField(child=serializers.CharField(), read_only=True)
    policy_tier = serializers.CharField(source="policy.tier", read_only=True)
    policy_version = serializers.IntegerField(source="policy.version", read_only=True)
    signed = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()
    content_digest = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "model_version",
            "model_version_label",
            "status",
            "required_functions",
            "signed",
            "missing",
            "content_digest",
            "policy_tier",
            "policy_version",
            "opened_at",
            "closed_at",
        ]

    def _progress(self, review):
        cache = self.context.setdefault("_progress", {})
        if review.pk not in cache:
            cache[review.pk] = review_progress(review)
        return cache[review.pk]

    @extend_schema_field(SignedFunctionSerializer(many=True))
    def get_signed(self, review) -> list[dict]:
        return SignedFunctionSerializer(self._progress(review).signed, many=True).data

    def get_missing(self, review) -> list[str]:
        return self._progress(review).missing

    def get_content_digest(self, review) -> str:
        return self._progress(review).digest


class SignOffSerializer(serializers.ModelSerializer):
    signer_id = serializers.IntegerField(read_only=True, help_text="The signer's user id (never reassigned).")
    signer = serializers.CharField(source="signer.username", read_only=True)

    class Meta:
        model = SignOff
        fields = [
            "id",
            "review",
            "function",
            "signer_id",
            "signer",
            "signer_name",
            "decision",
            "meaning",
            "comment",
            "digest",
            "policy_version",
            "signed_at",
            "invalidated_at",
            "invalidated_reason",
        ]


class SignOffRequestSerializer(serializers.Serializer):
    function = serializers.CharField(max_length=30)
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    password = serializers.CharField(
        max_length=256, required=False, allow_blank=True, trim_whitespace=False, style={"input_type": "password"}
    )


class FindingSerializer(serializers.ModelSerializer):
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    exception_until = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "review",
            "severity",
            "description",
            "raised_by",
            "status",
            "response",
            "responded_at",
            "closed_at",
            "exception_until",
            "created_at",
        ]
        read_only_fields = ["status", "response", "responded_at", "closed_at", "created_at"]

    def get_exception_until(self, finding) -> str | None:
        live = [e.expires_at for e in finding.exceptions.all() if e.expires_at > timezone.now()]
        return max(live).isoformat() if live else None


class FindingResponseSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=4000)


class FindingExceptionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
    days = serializers.IntegerField(min_value=1, max_value=90)


# --- Model cards and bias assessments ----------------------------------------------------------------------


class ModelCardSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=SectionState.choices)
    missing = serializers.ListField(child=serializers.CharField(), help_text="What the section still needs.")


def _card_text(**kwargs):
    return serializers.CharField(required=False, allow_blank=True, max_length=20_000, **kwargs)


class ModelCardSerializer(serializers.Serializer):
    """A version's model card (GET answers an empty card with `id` null until someone writes one), its
    completeness, and what the version recorded from MLflow. PATCH any of the text fields."""

    id = serializers.IntegerField(read_only=True, allow_null=True)
    model_version = serializers.IntegerField(read_only=True)
    intended_use = _card_text()
    out_of_scope_uses = _card_text()
    users_affected = _card_text()
    training_data = _card_text()
    evaluation_data = _card_text()
    metrics_notes = _card_text(help_text="The metrics by slice (region, segment, …).")
    fairness_findings = _card_text()
    explainability_method = serializers.ChoiceField(
        choices=ExplainabilityMethod.choices, required=False, allow_blank=True
    )
    explainability_notes = _card_text()
    limitations = _card_text()
    human_oversight = _card_text(help_text="The fallback and how people oversee the model.")
    assumptions = _card_text()
    sections = ModelCardSectionSerializer(many=True, read_only=True)
    completeness = serializers.IntegerField(read_only=True, help_text="Percent: complete sections, half for partial.")
    metrics = serializers.JSONField(read_only=True, help_text="Recorded on the version from its MLflow run.")
    params = serializers.JSONField(read_only=True)
    signature = serializers.JSONField(read_only=True)
    datasets = serializers.ListField(child=serializers.DictField(), read_only=True)
    updated_by = serializers.CharField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    @staticmethod
    def payload(card, version) -> dict:
        from governance.cards import CARD_TEXT_FIELDS, completeness, sections

        return {
            "id": card.pk if card else None,
            "model_version": version.pk,
            **{field: getattr(card, field) if card else "" for field in CARD_TEXT_FIELDS},
            "sections": [
                {"key": s.key, "title": s.title, "state": s.state, "missing": list(s.missing)}
                for s in sections(card, version)
            ],
            "completeness": completeness(card, version),
            "metrics": version.metrics,
            "params": version.params,
            "signature": version.signature,
            "datasets": [
                {"dataset": link.dataset.name, "role": link.role, "version_uri": link.dataset.version_uri}
                for link in version.dataset_links.all()
            ],
            "updated_by": card.updated_by.username if card and card.updated_by else None,
            "updated_at": card.updated_at if card else None,
        }


class BiasAssessmentSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="version_id", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    failures = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = BiasAssessment
        fields = [
            "id",
            "model_version",
            "file_name",
            "file_sha256",
            "row_count",
            "reference_groups",
            "results",
            "thresholds",
            "passed",
            "failures",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class BiasAssessmentUploadSerializer(serializers.Serializer):
    """The predictions as a file (multipart) or as CSV text (`content`, for JSON clients); one of the two."""

    file = serializers.FileField(required=False, help_text="CSV: label, prediction and the protected attributes.")
    content = serializers.CharField(required=False, trim_whitespace=False, help_text="The CSV as text.")
    reference_groups = serializers.ListField(
        child=serializers.CharField(max_length=300),
        min_length=1,
        max_length=20,
        help_text='One "column=reference group" per protected attribute, e.g. "age_band=18-39".',
    )

    def validate(self, attrs):
        if ("file" in attrs) == ("content" in attrs):
            raise serializers.ValidationError({"file": ["Send the predictions as a file or as content, one of them."]})
        return attrs


# --- Concerns -----------------------------------------------------------------------------------------------


class ConcernSerializer(serializers.ModelSerializer):
    """A concern; `reporter` is null when it is anonymous and the caller is neither its reporter nor on the
    triage team."""

    use_case = serializers.PrimaryKeyRelatedField(queryset=UseCase.objects.all(), required=False, allow_null=True)
    model = serializers.PrimaryKeyRelatedField(queryset=AIModel.objects.all(), required=False, allow_null=True)
    reporter = serializers.SerializerMethodField()
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None, allow_null=True)
    # Empty until the concern is triaged.
    severity = serializers.ChoiceField(choices=ConcernSeverity.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Concern
        fields = [
            "id",
            "use_case",
            "model",
            "kind",
            "description",
            "anonymous",
            "reporter",
            "status",
            "severity",
            "assignee",
            "respond_by",
            "triaged_at",
            "outcome",
            "closed_at",
            "escalated_at",
            "created_at",
        ]
        read_only_fields = [
            "status",
            "severity",
            "respond_by",
            "triaged_at",
            "outcome",
            "closed_at",
            "escalated_at",
            "created_at",
        ]

    def get_reporter(self, concern) -> str | None:
        request = self.context.get("request")
        if request is None or not reporter_shown(concern, request.user):
            return None
        return concern.reporter.username


class ConcernTriageSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=ConcernSeverity.choices)
    assignee = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    respond_by = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class ConcernResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ConcernDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)


# --- Emergency releases -------------------------------------------------------------------------------------


def _username(source: str):
    return serializers.CharField(source=f"{source}.username", read_only=True, default=None, allow_null=True)


class EmergencyReleaseSerializer(serializers.ModelSerializer):
    """An emergency release; POST (an owner, with `version` and `reason`) requests one."""

    version = serializers.PrimaryKeyRelatedField(queryset=ModelVersion.objects.all())
    reason = serializers.CharField(max_length=4000, allow_blank=True)
    requested_by = _username("requested_by")
    first_approver = _username("first_approver")
    second_approver = _username("second_approver")
    closed_by = _username("closed_by")
    post_implementation_review = serializers.SerializerMethodField()

    class Meta:
        model = EmergencyRelease
        fields = [
            "id",
            "version",
            "reason",
            "status",
            "requested_by",
            "created_at",
            "first_approver",
            "first_approved_at",
            "second_approver",
            "approved_at",
            "valid_until",
            "released_at",
            "closed_by",
            "closed_at",
            "closing_reason",
            "post_implementation_review",
        ]
        read_only_fields = [f for f in fields if f not in ("version", "reason")]
        validators = []  # the service decides, after checking who asks (one open release per version)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_post_implementation_review(self, release) -> int | None:
        try:
            return release.pir.pk
        except PostImplementationReview.DoesNotExist:
            return None


def _signing_password():
    return serializers.CharField(
        max_length=256,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Your password, again: a decision on an emergency release is a signature and needs it every time.",
    )


class EmergencyApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    password = _signing_password()


class EmergencySignedReasonSerializer(ReasonSerializer):
    """A refusal or a release to production: the reason, signed with the person's password."""

    password = _signing_password()


class PostImplementationReviewSerializer(serializers.ModelSerializer):
    release = serializers.PrimaryKeyRelatedField(read_only=True)
    model_version = serializers.IntegerField(source="release.version_id", read_only=True)
    completed_by = _username("completed_by")
    # Empty until the review is completed.
    outcome = serializers.ChoiceField(choices=PirOutcome.choices, read_only=True, allow_blank=True)

    class Meta:
        model = PostImplementationReview
        fields = [
            "id",
            "release",
            "model_version",
            "status",
            "due_on",
            "outcome",
            "findings",
            "completed_by",
            "completed_at",
            "follow_up_review",
            "escalated_at",
        ]
        read_only_fields = fields


class PirCompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=PirOutcome.choices)
    findings = serializers.CharField(max_length=8000, allow_blank=True)
    open_full_review = serializers.BooleanField(required=False, default=False)


# --- Required test evidence ---------------------------------------------------------------------------------


class TestEvidenceSerializer(serializers.ModelSerializer):
    """Reading test evidence; POST submits new evidence of one kind for a version (its developers)."""

    __test__ = False

    model_version = serializers.PrimaryKeyRelatedField(source="version", queryset=ModelVersion.objects.all())
    kind = serializers.ChoiceField(choices=TestEvidenceKind.choices)
    method = serializers.ChoiceField(choices=ValidationMethod.choices, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=20_000)
    results = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text='{"metric": value}; required for a validation protocol.',
    )
    link = serializers.URLField(max_length=500, required=False, allow_blank=True)
    reference = serializers.CharField(max_length=300, required=False, allow_blank=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = TestEvidence
        fields = [
            "id",
            "model_version",
            "kind",
            "method",
            "summary",
            "results",
            "link",
            "reference",
            "submitted_by",
            "submitted_at",
            "version_digest",
            "status",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
        ]
        read_only_fields = ["submitted_at", "version_digest", "status", "reviewed_at", "review_comment"]


class TestEvidenceReviewSerializer(serializers.Serializer):
    __test__ = False

    decision = serializers.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RequiredTestEvidenceSerializer(serializers.Serializer):
    """One kind the version's policy requires and its state on the version's current content."""

    kind = serializers.CharField()
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=RequirementState.choices)
    reviewer_function = serializers.CharField()
    evidence = serializers.IntegerField(source="evidence.pk", default=None, allow_null=True)


class FreezeExemptionSerializer(serializers.ModelSerializer):
    """An exemption from the running production freeze for one version; POST (whoever may move the version, with
    `version` and `reason`) requests one. A review board member other than the requester `approve`s or `refuse`s
    it with their `password`; it is valid once, until the freeze ends."""

    version = serializers.PrimaryKeyRelatedField(queryset=ModelVersion.objects.all())
    reason = serializers.CharField(max_length=4000, allow_blank=True)
    requested_by = _username("requested_by")
    approved_by = _username("approved_by")
    window = serializers.CharField(source="window.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = EmergencyApproval
        fields = [
            "id",
            "version",
            "reason",
            "status",
            "window",
            "valid_until",
            "requested_by",
            "at",
            "approved_by",
            "decided_at",
            "decision_comment",
            "used_at",
        ]
        read_only_fields = [f for f in fields if f not in ("version", "reason")]
        validators = []


class FreezeExemptionDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, help_text="Approving: a comment; refusing: the reason."
    )
    password = _signing_password()

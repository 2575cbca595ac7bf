import json

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import parsers
from core.api.viewsets import ReadOnlyScopedViewSet, ScopedCreateReadViewSet, ScopedQuerysetMixin
from core.filters import IdChoiceFilter, visible
from governance import cards, fairness, selectors, services
from governance.api import serializers as s
from governance.choices import ReviewStatus, TestEvidenceKind, TestEvidenceStatus, Tier
from governance.models import (
    BiasAssessment,
    Concern,
    EmergencyRelease,
    Finding,
    PostImplementationReview,
    Review,
    ReviewPolicy,
    RiskAssessment,
    TestEvidence,
    TrainingRecord,
)
from governance.services import freeze_exemptions
from lifecycle.models import AIModel, EmergencyApproval, ModelVersion
from portfolio.models import UseCase


class RiskAssessmentFilterSet(django_filters.FilterSet):
    use_case = IdChoiceFilter(queryset=visible(UseCase))

    class Meta:
        model = RiskAssessment
        fields = ["use_case", "status", "eu_category", "tier"]


class RiskAssessmentViewSet(ScopedCreateReadViewSet):
    """Impact assessments of use cases: create a draft, `answer`, `submit`, `approve` (another reviewer)."""

    queryset = RiskAssessment.objects.select_related("use_case", "questionnaire", "author", "approved_by")
    serializer_class = s.RiskAssessmentSerializer
    filterset_class = RiskAssessmentFilterSet

    def perform_create(self, serializer):
        use_case = get_object_or_404(
            UseCase.objects.restrict(self.request.user, "view"), pk=serializer.validated_data["use_case"].pk
        )
        serializer.instance = services.risk_assessment_create(
            actor=self.request.user, use_case=use_case, answers=serializer.validated_data.get("answers") or {}
        )

    def _answer(self, assessment):
        return Response(s.RiskAssessmentSerializer(assessment).data)

    @extend_schema(request=s.AnswersSerializer, responses=s.RiskAssessmentSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.AnswersSerializer)
    def answer(self, request, pk=None):
        """Change answers of your draft: {"answers": {question key: answer}}; the result is recomputed."""
        data = s.AnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.risk_assessment_answer(
                actor=request.user, assessment=self.get_object(), answers=data.validated_data["answers"]
            )
        )

    @extend_schema(request=None, responses=s.RiskAssessmentSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.ReasonSerializer)
    def submit(self, request, pk=None):
        """Hand your complete draft to a reviewer."""
        return self._answer(services.risk_assessment_submit(actor=request.user, assessment=self.get_object()))

    @extend_schema(request=s.ReasonSerializer, responses=s.RiskAssessmentSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.ReasonSerializer)
    def approve(self, request, pk=None):
        """Approve a submitted assessment written by someone else: the use case takes its tier."""
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.risk_assessment_approve(
                actor=request.user, assessment=self.get_object(), reason=data.validated_data.get("reason", "")
            )
        )

    @extend_schema(responses=s.QuestionnaireSerializer)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def questionnaire(self, request):
        """The current questionnaire: its questions, kinds and options."""
        return Response(s.QuestionnaireSerializer(services.current_questionnaire()).data)


class ReviewPolicyFilterSet(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    current = django_filters.BooleanFilter(method="filter_current", label="Only the current version of each tier")

    class Meta:
        model = ReviewPolicy
        fields = ["tier", "current"]

    def filter_current(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.policies_current().values("pk")) if value else queryset


class ReviewPolicyViewSet(ScopedCreateReadViewSet):
    """Every version of every tier's review policy. POST makes the next version of a tier (admins)."""

    queryset = ReviewPolicy.objects.select_related("created_by")
    serializer_class = s.ReviewPolicySerializer
    filterset_class = ReviewPolicyFilterSet
    action_permission = "custom"  # the service checks the admin permission and the floors

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if "metric_thresholds" in data:
            data["metric_thresholds"] = [dict(row) for row in data["metric_thresholds"]]
        serializer.instance = services.review_policy_update(actor=self.request.user, **data)


class TrainingRecordViewSet(ScopedCreateReadViewSet):
    """AI-literacy training records: platform admins read and record everyone's; others read their own."""

    queryset = TrainingRecord.objects.select_related("user", "recorded_by").order_by("-pk")
    serializer_class = s.TrainingRecordSerializer
    filterset_fields = ["course"]
    action_permission = "custom"  # the service checks the admin permission

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.user.has_perm("governance.add_trainingrecord"):
            return queryset
        return queryset.filter(user=self.request.user)  # whose training lapsed is personal

    def perform_create(self, serializer):
        serializer.instance = services.training_record_add(
            actor=self.request.user, source="API", **serializer.validated_data
        )


class ReviewFilterSet(django_filters.FilterSet):
    model_version = IdChoiceFilter(field_name="version", queryset=visible(ModelVersion))
    status = django_filters.MultipleChoiceFilter(choices=ReviewStatus.choices)

    class Meta:
        model = Review
        fields = ["model_version", "status"]


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The review's ETag as you read it (from GET /reviews/{id}/). When it no longer matches, nothing "
    "is signed and the answer is 412. Optional: without it the sign-off is checked against the current state only.",
)
STALE = OpenApiResponse(description="If-Match is stale: the review changed since it was read; nothing was signed.")


class ReviewViewSet(ReadOnlyScopedViewSet):
    """Reviews of model versions: required functions, what is signed on the current content, what is
    missing. POST `sign-offs` signs for one function (with your password). The detail carries an `ETag` of the
    review's state; send it back as `If-Match` to sign only what you saw."""

    queryset = Review.objects.select_related("version__model__use_case", "policy").prefetch_related(
        "sign_offs", "version__dataset_links__dataset"
    )
    serializer_class = s.ReviewSerializer
    filterset_class = ReviewFilterSet

    def retrieve(self, request, *args, **kwargs):
        review = self.get_object()
        data = self.get_serializer(review).data
        return Response(data, headers={"ETag": services.review_etag(review, data["content_digest"])})

    @extend_schema(methods=["get"], responses=s.SignOffSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=s.SignOffRequestSerializer,
        parameters=[IF_MATCH],
        responses={201: s.SignOffSerializer, 412: STALE},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="sign-offs",
        action_permission="custom",
        pagination_class=None,
        filterset_class=None,
        serializer_class=s.SignOffRequestSerializer,
    )
    def sign_offs(self, request, pk=None):
        """GET: every sign-off of the review, including invalidated ones. POST: {"function", "decision",
        "comment", "password"}; refused with 403 (not allowed, wrong password), 409 (already decided) or 412
        (`If-Match` stale). The signer is always you: a signer named in the body is ignored."""
        review = self.get_object()
        if request.method == "GET":
            rows = review.sign_offs.select_related("signer")
            return Response(s.SignOffSerializer(rows, many=True).data)
        data = s.SignOffRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signed = services.sign_off_record(
            actor=request.user, review=review, if_match=request.headers.get("If-Match", ""), **data.validated_data
        )
        review = self.get_queryset().get(pk=review.pk)
        response = Response(s.SignOffSerializer(signed).data, status=status.HTTP_201_CREATED)
        response["ETag"] = services.review_etag(review)
        return response


class FindingViewSet(ScopedCreateReadViewSet):
    """Effective challenge: a validator raises a finding on a review (POST), the developers `respond`, a
    validator `close`s it; the exception authority may grant a time-boxed `exception` to a high one."""

    queryset = Finding.objects.select_related("raised_by").prefetch_related("exceptions")
    serializer_class = s.FindingSerializer
    filterset_fields = ["review", "severity", "status"]
    action_permission = "custom"  # each service checks who may act

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        review = get_object_or_404(Review.objects.restrict(self.request.user, "view"), pk=data.pop("review").pk)
        serializer.instance = services.finding_raise(actor=self.request.user, review=review, **data)

    def _done(self, finding):
        return Response(s.FindingSerializer(Finding.objects.prefetch_related("exceptions").get(pk=finding.pk)).data)

    @extend_schema(request=s.FindingResponseSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.FindingResponseSerializer)
    def respond(self, request, pk=None):
        data = s.FindingResponseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.finding_respond(actor=request.user, finding=self.get_object(), **data.validated_data)
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ReasonSerializer)
    def close(self, request, pk=None):
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.finding_close(
                actor=request.user, finding=self.get_object(), note=data.validated_data.get("reason", "")
            )
        )

    @extend_schema(request=s.FindingExceptionSerializer, responses=s.FindingSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.FindingExceptionSerializer)
    def exception(self, request, pk=None):
        data = s.FindingExceptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        finding = self.get_object()
        services.finding_exception_grant(actor=request.user, finding=finding, **data.validated_data)
        return self._done(finding)


class TestEvidenceFilterSet(django_filters.FilterSet):
    model_version = IdChoiceFilter(field_name="version", queryset=visible(ModelVersion))
    kind = django_filters.ChoiceFilter(choices=TestEvidenceKind.choices)
    status = django_filters.ChoiceFilter(choices=TestEvidenceStatus.choices)

    class Meta:
        model = TestEvidence
        fields = ["model_version", "kind", "status"]


class TestEvidenceViewSet(ScopedCreateReadViewSet):
    """Required test evidence of the versions you may see (validation protocol, adversarial robustness,
    penetration test, code review, explainability report). POST submits evidence of one kind for a version
    (its developers), bound to the version's content digest; `review` accepts or rejects it (an independent
    holder of the validation or security function, as the kind asks)."""

    __test__ = False
    queryset = TestEvidence.objects.select_related("version__model", "submitted_by", "reviewed_by")
    serializer_class = s.TestEvidenceSerializer
    filterset_class = TestEvidenceFilterSet
    action_permission = "custom"  # the services check who may submit and review

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        version = get_object_or_404(ModelVersion.objects.restrict(user, "view"), pk=data.pop("version").pk)
        if "results" in data:
            data["results"] = dict(data["results"])
        serializer.instance = services.test_evidence_submit(actor=user, version=version, **data)

    @extend_schema(request=s.TestEvidenceReviewSerializer, responses=s.TestEvidenceSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.TestEvidenceReviewSerializer)
    def review(self, request, pk=None):
        """Accept or reject submitted test evidence: {"decision": "accept"|"reject", "comment"}; a rejection
        needs a comment; the reviewer holds the function the kind asks for and is independent of its developers."""
        data = s.TestEvidenceReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.test_evidence_review(actor=request.user, evidence=self.get_object(), **data.validated_data)
        return Response(s.TestEvidenceSerializer(evidence).data)


# --- Model cards and bias assessments ----------------------------------------------------------------------


class MarkdownRenderer(renderers.BaseRenderer):
    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return (data if isinstance(data, str) else json.dumps(data)).encode(self.charset)


def _upload_bytes(data: dict) -> tuple[bytes, str]:
    """The predictions of an upload, read up to one byte past the limit (the service names the excess)."""
    if "file" in data:
        upload = data["file"]
        return upload.read(fairness.MAX_BYTES + 1), upload.name
    return data["content"].encode(), "predictions.csv"


class GovernanceVersionViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """A version's governance records: its model card (and Markdown export) and its bias assessments.
    Versions you may not see answer 404; writes are for its owners and the data scientists of its unit."""

    queryset = ModelVersion.objects.select_related("model__use_case").prefetch_related(
        "dataset_links__dataset", "dataset_links__schema_version"
    )
    serializer_class = s.ModelCardSerializer
    pagination_class = None
    filterset_class = None
    action_permission = "custom"  # the services check who may write

    @extend_schema(methods=["get"], responses=s.ModelCardSerializer)
    @extend_schema(methods=["patch"], request=s.ModelCardSerializer, responses=s.ModelCardSerializer)
    @action(detail=True, methods=["get", "patch"], url_path="model-card")
    def model_card(self, request, pk=None):
        """GET: the card, each section's state and the overall completeness. PATCH: change text fields."""
        version = self.get_object()
        if request.method == "PATCH":
            data = s.ModelCardSerializer(data=request.data, partial=True)
            data.is_valid(raise_exception=True)
            services.model_card_save(actor=request.user, version=version, **data.validated_data)
        return Response(s.ModelCardSerializer.payload(selectors.model_card_of(version), version))

    @extend_schema(responses={(200, "text/markdown"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="model-card/markdown", renderer_classes=[MarkdownRenderer])
    def model_card_markdown(self, request, pk=None):
        """The card as a Markdown document (a download)."""
        version = self.get_object()
        text = cards.markdown(
            selectors.model_card_of(version), version, bias_assessments=version.bias_assessments.order_by("-pk")[:5]
        )
        filename = f"model-card-{version.model.name}-v{version.version}.md".replace('"', "")
        return Response(text, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @extend_schema(methods=["get"], responses=s.BiasAssessmentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request={
            "multipart/form-data": s.BiasAssessmentUploadSerializer,
            "application/json": s.BiasAssessmentUploadSerializer,
        },
        responses={201: s.BiasAssessmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="bias-assessments",
        parser_classes=[parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser],
        serializer_class=s.BiasAssessmentUploadSerializer,
    )
    def bias_assessments(self, request, pk=None):
        """GET: the version's bias assessments, newest first. POST: assess a predictions CSV (label,
        prediction and protected attribute columns) with a reference group per attribute; a bad file
        answers 400 naming the problem."""
        version = self.get_object()
        if request.method == "GET":
            rows = version.bias_assessments.select_related("created_by")
            return Response(s.BiasAssessmentSerializer(rows, many=True).data)
        data = s.BiasAssessmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        content, name = _upload_bytes(data.validated_data)
        assessment = services.bias_assessment_create(
            actor=request.user,
            version=version,
            data=content,
            file_name=name,
            reference_groups=data.validated_data["reference_groups"],
        )
        return Response(s.BiasAssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.RequiredTestEvidenceSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="required-test-evidence")
    def required_test_evidence(self, request, pk=None):
        """Each kind of test evidence the version's policy requires, and its state on the current content:
        missing, waiting (for review), accepted, rejected or stale (the version changed after submission)."""
        from governance.required_evidence import version_requirements

        return Response(s.RequiredTestEvidenceSerializer(version_requirements(self.get_object()), many=True).data)

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
        description="The version's evidence pack: a ZIP of JSON and Markdown files with a manifest of their "
        "SHA-256 digests. The SHA-256 of the whole ZIP is recorded in the audit trail "
        "(evidence_pack.exported) and returned in the X-Evidence-Pack-SHA256 header.",
    )
    @action(detail=True, methods=["get"], url_path="evidence-pack")
    def evidence_pack(self, request, pk=None):
        """Download the evidence pack (application/zip); its hash is audited."""
        pack = services.evidence_pack_export(actor=request.user, version=self.get_object())
        return evidence_pack_response(pack)


def evidence_pack_response(pack) -> HttpResponse:
    response = HttpResponse(pack.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{pack.filename}"'
    response["X-Evidence-Pack-SHA256"] = pack.sha256
    return response


class BiasAssessmentFilterSet(django_filters.FilterSet):
    model_version = IdChoiceFilter(field_name="version", queryset=visible(ModelVersion))

    class Meta:
        model = BiasAssessment
        fields = ["model_version", "passed"]


class BiasAssessmentViewSet(ReadOnlyScopedViewSet):
    """Bias assessments of the versions you may see; create one under governance/versions/{id}/."""

    queryset = BiasAssessment.objects.select_related("created_by")
    serializer_class = s.BiasAssessmentSerializer
    filterset_class = BiasAssessmentFilterSet


# --- Concerns -----------------------------------------------------------------------------------------------


class ConcernFilterSet(django_filters.FilterSet):
    use_case = IdChoiceFilter(queryset=visible(UseCase))
    model = IdChoiceFilter(queryset=visible(AIModel))

    class Meta:
        model = Concern
        fields = ["use_case", "model", "kind", "status", "severity"]


class ConcernViewSet(ScopedCreateReadViewSet):
    """Ethical and data-ownership concerns about a use case or a model. Anyone signed in raises one (POST,
    naming `use_case` or `model`, optionally `anonymous`); the triage team `triage`s, `resolve`s or `dismiss`es
    it. `reporter` is null on an anonymous concern unless the caller raised it or triages concerns."""

    queryset = Concern.objects.select_related("reporter", "assignee")
    serializer_class = s.ConcernSerializer
    filterset_class = ConcernFilterSet
    action_permission = "custom"  # each service checks who may act

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        use_case, model = data.pop("use_case", None), data.pop("model", None)
        if use_case is not None:
            use_case = get_object_or_404(UseCase.objects.restrict(self.request.user, "view"), pk=use_case.pk)
        if model is not None:
            model = get_object_or_404(AIModel.objects.restrict(self.request.user, "view"), pk=model.pk)
        serializer.instance = services.concern_raise(actor=self.request.user, use_case=use_case, model=model, **data)

    def _done(self, concern):
        concern = Concern.objects.select_related("reporter", "assignee").get(pk=concern.pk)
        return Response(s.ConcernSerializer(concern, context=self.get_serializer_context()).data)

    @extend_schema(request=s.ConcernTriageSerializer, responses=s.ConcernSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ConcernTriageSerializer)
    def triage(self, request, pk=None):
        data = s.ConcernTriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.concern_triage(actor=request.user, concern=self.get_object(), **data.validated_data))

    @extend_schema(request=s.ConcernResolveSerializer, responses=s.ConcernSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ConcernResolveSerializer)
    def resolve(self, request, pk=None):
        data = s.ConcernResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.concern_resolve(
                actor=request.user, concern=self.get_object(), resolution=data.validated_data.get("resolution", "")
            )
        )

    @extend_schema(request=s.ConcernDismissSerializer, responses=s.ConcernSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ConcernDismissSerializer)
    def dismiss(self, request, pk=None):
        data = s.ConcernDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.concern_dismiss(
                actor=request.user, concern=self.get_object(), reason=data.validated_data.get("reason", "")
            )
        )


# --- Emergency releases -------------------------------------------------------------------------------------


class _VersionRequestViewSet(ScopedCreateReadViewSet):
    """A request about one version (POST `version`, `reason`) made through `request_service`; a version the
    caller may not see answers 404, as if it did not exist. The decisions are actions whose services check who."""

    request_service = None
    filterset_fields = ["version", "status"]
    action_permission = "custom"

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        version = get_object_or_404(ModelVersion.objects.restrict(self.request.user, "view"), pk=data["version"].pk)
        serializer.instance = type(self).request_service(
            actor=self.request.user, version=version, reason=data.get("reason", "")
        )


class EmergencyReleaseViewSet(_VersionRequestViewSet):
    """Production without the full review: an owner requests (POST `version`, `reason`); two independent holders
    of the emergency function `approve` (or one `refuse`s); an owner `deploy`s within the window or `cancel`s.
    Approving, refusing and deploying are signatures: each needs the person's `password` in the same request."""

    queryset = EmergencyRelease.objects.select_related(
        "requested_by", "first_approver", "second_approver", "closed_by", "pir"
    )
    serializer_class = s.EmergencyReleaseSerializer
    request_service = staticmethod(services.emergency_release_request)

    def _done(self, release):
        return Response(s.EmergencyReleaseSerializer(self.get_queryset().get(pk=release.pk)).data)

    @extend_schema(request=s.EmergencyApproveSerializer, responses=s.EmergencyReleaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.EmergencyApproveSerializer)
    def approve(self, request, pk=None):
        data = s.EmergencyApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.emergency_release_approve(actor=request.user, release=self.get_object(), **data.validated_data)
        )

    def _with_reason(self, request, service, serializer=s.ReasonSerializer):
        data = serializer(data=request.data)
        data.is_valid(raise_exception=True)
        # An omitted reason is the service's to refuse by name (a refusal needs one), not a missing argument.
        fields = {"reason": "", **data.validated_data}
        return self._done(service(actor=request.user, release=self.get_object(), **fields))

    @extend_schema(request=s.EmergencySignedReasonSerializer, responses=s.EmergencyReleaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.EmergencySignedReasonSerializer)
    def refuse(self, request, pk=None):
        return self._with_reason(request, services.emergency_release_refuse, s.EmergencySignedReasonSerializer)

    @extend_schema(request=s.ReasonSerializer, responses=s.EmergencyReleaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.ReasonSerializer)
    def cancel(self, request, pk=None):
        return self._with_reason(request, services.emergency_release_cancel)

    @extend_schema(request=s.EmergencySignedReasonSerializer, responses=s.EmergencyReleaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.EmergencySignedReasonSerializer)
    def deploy(self, request, pk=None):
        return self._with_reason(request, services.emergency_release_deploy, s.EmergencySignedReasonSerializer)


class FreezeExemptionViewSet(_VersionRequestViewSet):
    """Exemptions from a production freeze: whoever may move the version requests (POST `version`, `reason`); a
    review board member other than the requester `approve`s or `refuse`s with their `password`."""

    queryset = EmergencyApproval.objects.select_related("requested_by", "approved_by", "window")
    serializer_class = s.FreezeExemptionSerializer
    request_service = staticmethod(freeze_exemptions.freeze_exemption_request)

    def _decided(self, request, decide):
        body = s.FreezeExemptionDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exemption = decide(
            self.get_object(), body.validated_data.get("comment", ""), body.validated_data.get("password", "")
        )
        return Response(s.FreezeExemptionSerializer(self.get_queryset().get(pk=exemption.pk)).data)

    @extend_schema(request=s.FreezeExemptionDecisionSerializer, responses=s.FreezeExemptionSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.FreezeExemptionDecisionSerializer)
    def approve(self, request, pk=None):
        return self._decided(
            request,
            lambda exemption, comment, password: freeze_exemptions.freeze_exemption_approve(
                actor=request.user, exemption=exemption, comment=comment, password=password
            ),
        )

    @extend_schema(request=s.FreezeExemptionDecisionSerializer, responses=s.FreezeExemptionSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.FreezeExemptionDecisionSerializer)
    def refuse(self, request, pk=None):
        return self._decided(
            request,
            lambda exemption, comment, password: freeze_exemptions.freeze_exemption_refuse(
                actor=request.user, exemption=exemption, reason=comment, password=password
            ),
        )


class PostImplementationReviewViewSet(ReadOnlyScopedViewSet):
    """The review after an emergency release, due five business days after it; an independent validator
    `complete`s it with an outcome and findings (optionally opening a full review of the version)."""

    queryset = PostImplementationReview.objects.select_related("release", "completed_by")
    serializer_class = s.PostImplementationReviewSerializer
    filterset_fields = ["status"]
    action_permission = "custom"  # the service checks who may complete

    @extend_schema(request=s.PirCompleteSerializer, responses=s.PostImplementationReviewSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.PirCompleteSerializer)
    def complete(self, request, pk=None):
        data = s.PirCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pir = services.post_implementation_review_complete(
            actor=request.user, pir=self.get_object(), **data.validated_data
        )
        return Response(s.PostImplementationReviewSerializer(self.get_queryset().get(pk=pir.pk)).data)

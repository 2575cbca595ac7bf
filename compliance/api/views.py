"""Compliance API: frameworks, controls, evidence, a use case's coverage, external audits and follow-ups."""

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance import selectors, services
from compliance.api import serializers as s
from compliance.choices import EvidenceStatus
from compliance.models import (
    AuditFinding,
    Control,
    ControlRequirement,
    Evidence,
    ExternalAudit,
    FollowUp,
    Framework,
    Requirement,
)
from compliance.services import audits
from core.api.parsers import FormParser, JSONParser, MultiPartParser
from core.api.viewsets import (
    PermissionBeforeInput,
    ReadOnlyScopedViewSet,
    ScopedCreateReadViewSet,
    ScopedQuerysetMixin,
    ScopedViewSet,
)
from core.filters import IdChoiceFilter, visible
from governance.api.serializers import ReasonSerializer
from lifecycle.models import ModelVersion
from portfolio.models import UseCase


class FrameworkViewSet(ReadOnlyScopedViewSet):
    """Compliance frameworks at their current revision, with their requirements (live and withdrawn) and the
    controls mapped to each. Admins import new ones with `manage.py import_framework` or the import page."""

    queryset = Framework.objects.prefetch_related(
        Prefetch("requirements", queryset=Requirement.objects.prefetch_related("controls"))
    )
    serializer_class = s.FrameworkSerializer
    filterset_fields = ["code"]


class ControlViewSet(ReadOnlyScopedViewSet):
    """Internal controls: the tiers they apply to and the framework requirements they satisfy (the crosswalk)."""

    queryset = Control.objects.prefetch_related(
        Prefetch("requirement_links", queryset=ControlRequirement.objects.select_related("requirement__framework"))
    )
    serializer_class = s.ControlSerializer
    filterset_fields = ["code"]


class EvidenceFilterSet(django_filters.FilterSet):
    use_case = IdChoiceFilter(queryset=visible(UseCase))
    model_version = IdChoiceFilter(field_name="version", queryset=visible(ModelVersion))
    control = django_filters.CharFilter(field_name="control__code")
    status = django_filters.ChoiceFilter(choices=EvidenceStatus.choices)

    class Meta:
        model = Evidence
        fields = ["use_case", "model_version", "control", "status", "stale"]


class EvidenceViewSet(ScopedCreateReadViewSet):
    """Compliance evidence of the use cases (and versions) you may see. POST submits a file (multipart),
    a link or a text for a control; `review` accepts or rejects it (compliance reviewers). Files are
    downloaded from the evidence page, always as attachments."""

    queryset = Evidence.objects.select_related("control", "use_case", "version", "submitted_by", "reviewer")
    serializer_class = s.EvidenceSerializer
    filterset_class = EvidenceFilterSet
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        use_case = get_object_or_404(UseCase.objects.restrict(user, "view"), pk=data.pop("use_case").pk)
        version = data.pop("version", None)
        if version is not None:
            version = get_object_or_404(ModelVersion.objects.restrict(user, "view"), pk=version.pk)
        serializer.instance = services.evidence_submit(actor=user, use_case=use_case, version=version, **data)

    @extend_schema(request=s.EvidenceReviewSerializer, responses=s.EvidenceSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.EvidenceReviewSerializer)
    def review(self, request, pk=None):
        """Accept or reject submitted evidence: {"decision": "accept"|"reject", "comment", "expires_on"}; a
        rejection needs a comment; nobody reviews their own evidence."""
        data = s.EvidenceReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.evidence_review(actor=request.user, evidence=self.get_object(), **data.validated_data)
        return Response(s.EvidenceSerializer(evidence).data)


class UseCaseCoverageViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """Compliance coverage of a use case (a sub-resource of `use-cases`)."""

    queryset = UseCase.objects.all()
    serializer_class = s.UseCaseCoverageSerializer
    pagination_class = None
    filterset_class = None

    @extend_schema(responses=s.UseCaseCoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        """Per framework: the controls the use case's tier requires, which have valid evidence (accepted, not
        expired, not stale) and which are missing."""
        use_case = self.get_object()
        frameworks = selectors.use_case_coverage(user=request.user, use_case=use_case)
        return Response(s.UseCaseCoverageSerializer({"use_case": use_case, "frameworks": frameworks}).data)


class ExternalAuditViewSet(PermissionBeforeInput, ScopedViewSet):
    """External audits (compliance): auditor, scope with frameworks and use cases, dates, report link;
    `transition` moves planned → fieldwork → reported → closed (closing needs every finding settled).
    `use_cases` shows and accepts only the use cases the caller may see."""

    write_permission = audits.MANAGE_PERM
    refusal = "Only compliance records external audits, their findings and follow-ups."
    queryset = ExternalAudit.objects.all()
    serializer_class = s.ExternalAuditSerializer
    filterset_fields = ["status"]
    action_permission = "custom"  # the services check compliance.manage_externalaudit
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.external_audit_list(user=self.request.user)

    def _done(self, external_audit, code=status.HTTP_200_OK):
        data = s.ExternalAuditSerializer(self.get_queryset().get(pk=external_audit.pk)).data
        return Response(data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.external_audit_create(actor=request.user, **serializer.validated_data)
        return self._done(created, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        external_audit = self.get_object()
        serializer = self.get_serializer(external_audit, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._done(
            services.external_audit_update(
                actor=request.user, external_audit=external_audit, **serializer.validated_data
            )
        )

    @extend_schema(request=s.AuditTransitionSerializer, responses=s.ExternalAuditSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.AuditTransitionSerializer)
    def transition(self, request, pk=None):
        """Move the audit on: {"to": "fieldwork" | "reported" | "closed", "reason"}."""
        external_audit = self.get_object()
        data = s.AuditTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.external_audit_transition(actor=request.user, external_audit=external_audit, **data.validated_data)
        )

    @extend_schema(responses=s.FollowUpSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="overdue-follow-ups", pagination_class=None)
    def overdue_follow_ups(self, request):
        """Open follow-ups past their due date, on audits that are not closed."""
        return Response(s.FollowUpSerializer(selectors.follow_ups_overdue(user=request.user), many=True).data)


class AuditFindingViewSet(PermissionBeforeInput, ScopedCreateReadViewSet):
    """Findings of external audits with their follow-ups; compliance records them (from fieldwork on) and
    may `accept-risk` with a reason instead of acting on one."""

    write_permission = audits.MANAGE_PERM
    refusal = "Only compliance records external audits, their findings and follow-ups."
    queryset = AuditFinding.objects.all()
    serializer_class = s.AuditFindingSerializer
    filterset_fields = ["audit", "severity"]
    action_permission = "custom"  # the services check compliance.manage_externalaudit

    def get_queryset(self):
        return selectors.audit_finding_list(user=self.request.user).prefetch_related(
            Prefetch("follow_ups", queryset=selectors.follow_up_list(user=self.request.user))
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        external_audit = get_object_or_404(
            selectors.external_audit_list(user=self.request.user), pk=data.pop("audit").pk
        )
        serializer.instance = services.audit_finding_add(actor=self.request.user, external_audit=external_audit, **data)

    @extend_schema(request=ReasonSerializer, responses=s.AuditFindingSerializer)
    @action(detail=True, methods=["post"], url_path="accept-risk", serializer_class=ReasonSerializer)
    def accept_risk(self, request, pk=None):
        """Accept the finding's risk instead of acting on it; the reason is required."""
        finding = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.audit_finding_accept_risk(
            actor=request.user, finding=finding, reason=data.validated_data.get("reason")
        )
        return Response(s.AuditFindingSerializer(self.get_queryset().get(pk=finding.pk)).data)


class FollowUpViewSet(PermissionBeforeInput, ScopedCreateReadViewSet):
    """Follow-ups on audit findings: compliance plans them; their owner (or compliance) `complete`s one
    with a note. `status` changes only through `complete`."""

    write_permission = audits.MANAGE_PERM
    refusal = "Only compliance records external audits, their findings and follow-ups."
    queryset = FollowUp.objects.all()
    serializer_class = s.FollowUpSerializer
    filterset_fields = ["finding", "status", "owner"]
    action_permission = "custom"  # the services check compliance.manage_externalaudit or the owner

    def get_queryset(self):
        return selectors.follow_up_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.follow_up_add(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=s.FollowUpCompleteSerializer, responses=s.FollowUpSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.FollowUpCompleteSerializer)
    def complete(self, request, pk=None):
        """Mark the follow-up done with a note of what was done (its owner or compliance)."""
        follow_up = self.get_object()
        data = s.FollowUpCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.follow_up_complete(actor=request.user, follow_up=follow_up, note=data.validated_data.get("note"))
        return Response(s.FollowUpSerializer(self.get_queryset().get(pk=follow_up.pk)).data)

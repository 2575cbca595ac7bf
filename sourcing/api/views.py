"""Sourcing API: vendors and the models they supply, technology evaluations, sandbox trials, approved standards."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import PermissionBeforeInput, ScopedCreateReadViewSet, ScopedViewSet
from governance.api.serializers import ReasonSerializer
from lifecycle.models import AIModel
from sourcing import selectors, services
from sourcing.api import serializers as s
from sourcing.models import ApprovedStandard, SandboxTrial, TechnologyEvaluation, Vendor
from sourcing.services import evaluations


class VendorViewSet(ScopedViewSet):
    """Third-party AI vendors: anyone signed in reads them (with the supplied models they may see); platform
    admins and the review board record and edit them, and `link` or `unlink` the inventory models they supply."""

    queryset = Vendor.objects.all()
    serializer_class = s.VendorSerializer
    filterset_fields = ["due_diligence", "lock_in_risk"]
    action_permission = "custom"  # the services check sourcing.manage_vendor
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.vendor_list(user=self.request.user)

    def _done(self, vendor):
        return Response(s.VendorSerializer(selectors.vendor_list(user=self.request.user).get(pk=vendor.pk)).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vendor = services.vendor_create(actor=request.user, **serializer.validated_data)
        response = self._done(vendor)
        response.status_code = status.HTTP_201_CREATED
        return response

    def partial_update(self, request, *args, **kwargs):
        vendor = self.get_object()
        serializer = self.get_serializer(vendor, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return self._done(services.vendor_update(actor=request.user, vendor=vendor, **serializer.validated_data))

    def _link(self, request, vendor):
        data = s.VendorModelLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        model = get_object_or_404(AIModel.objects.restrict(request.user, "view"), pk=data.validated_data["model"].pk)
        services.vendor_model_link(actor=request.user, vendor=vendor, model=model)

    @extend_schema(request=s.VendorModelLinkSerializer, responses=s.VendorSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.VendorModelLinkSerializer)
    def link(self, request, pk=None):
        """This vendor supplies the model (replacing any other vendor recorded for it)."""
        vendor = self.get_object()
        self._link(request, vendor)
        return self._done(vendor)

    @extend_schema(request=s.VendorModelLinkSerializer, responses=s.VendorSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.VendorModelLinkSerializer)
    def unlink(self, request, pk=None):
        """The model is no longer supplied by this vendor."""
        vendor = self.get_object()
        data = s.VendorModelLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        model = get_object_or_404(AIModel.objects.restrict(request.user, "view"), pk=data.validated_data["model"].pk)
        services.vendor_model_link(actor=request.user, vendor=None, model=model, expected=vendor)
        return self._done(vendor)


class TechnologyEvaluationViewSet(PermissionBeforeInput, ScopedViewSet):
    """Tools and platforms evaluated (build or buy, licence, cost-benefit, lock-in). Evaluators create and edit
    them; the review board `decide`s (adopt needs a passed sandbox trial or a `trial_waiver`). `status`,
    `decision` and `decided_by` are never set by create or update."""

    write_permission = evaluations.MANAGE_PERM
    refusal = "Only data scientists, platform admins and the review board record evaluations."
    queryset = TechnologyEvaluation.objects.all()
    serializer_class = s.TechnologyEvaluationSerializer
    filterset_fields = ["status", "decision", "category", "build_or_buy", "licence_model", "lock_in_risk"]
    action_permission = "custom"  # the services check sourcing.manage_evaluation / decide_evaluation
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.evaluation_list(user=self.request.user)

    def _done(self, evaluation, code=status.HTTP_200_OK):
        data = s.TechnologyEvaluationSerializer(self.get_queryset().get(pk=evaluation.pk)).data
        return Response(data, status=code)

    def _vendor(self, data):
        vendor = data.get("vendor")
        if vendor is not None:
            data["vendor"] = get_object_or_404(selectors.vendor_list(user=self.request.user), pk=vendor.pk)
        return data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = self._vendor(dict(serializer.validated_data))
        return self._done(services.evaluation_create(actor=request.user, **data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        evaluation = self.get_object()
        serializer = self.get_serializer(evaluation, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = self._vendor(dict(serializer.validated_data))
        return self._done(services.evaluation_update(actor=request.user, evaluation=evaluation, **data))

    @extend_schema(request=s.EvaluationDecideSerializer, responses=s.TechnologyEvaluationSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.EvaluationDecideSerializer)
    def decide(self, request, pk=None):
        """Adopt, reject or defer, with the rationale (and, to adopt without a passed trial, `trial_waiver`)."""
        evaluation = self.get_object()
        data = s.EvaluationDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.evaluation_decide(
            actor=request.user,
            evaluation=evaluation,
            decision=data.validated_data["decision"],
            rationale=data.validated_data.get("rationale", ""),
            trial_waiver=data.validated_data.get("trial_waiver", ""),
        )
        return self._done(decided)


class SandboxTrialViewSet(PermissionBeforeInput, ScopedCreateReadViewSet):
    """Sandbox trials of evaluations: create one (start, end after start, goals), then `close` it with its
    outcome and findings."""

    write_permission = evaluations.MANAGE_PERM
    refusal = "Only data scientists, platform admins and the review board run sandbox trials."
    queryset = SandboxTrial.objects.all()
    serializer_class = s.SandboxTrialSerializer
    filterset_fields = ["evaluation", "outcome"]
    action_permission = "custom"  # the services check sourcing.manage_evaluation

    def get_queryset(self):
        return selectors.trial_list(user=self.request.user)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        evaluation = get_object_or_404(selectors.evaluation_list(user=self.request.user), pk=data.pop("evaluation").pk)
        serializer.instance = services.trial_start(actor=self.request.user, evaluation=evaluation, **data)

    @extend_schema(request=s.TrialCloseSerializer, responses=s.SandboxTrialSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.TrialCloseSerializer)
    def close(self, request, pk=None):
        """Close the running trial: `outcome` (pass, fail, inconclusive) and `findings` (required)."""
        trial = self.get_object()
        data = s.TrialCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trial = services.trial_close(
            actor=request.user,
            trial=trial,
            outcome=data.validated_data["outcome"],
            findings=data.validated_data.get("findings", ""),
        )
        return Response(s.SandboxTrialSerializer(self.get_queryset().get(pk=trial.pk)).data)


class ApprovedStandardViewSet(PermissionBeforeInput, ScopedViewSet):
    """Approved standards and reference architectures. Creating one approves it (the review board), from an
    adopted `evaluation` or on its own; PATCH revises `description`, `link`, `review_date`; `retire` with a
    reason. `status`, `approved_by` and `approved_at` are the service's."""

    write_permission = evaluations.APPROVE_STANDARD_PERM
    refusal = "Only the review board approves standards and reference architectures."
    queryset = ApprovedStandard.objects.all()
    serializer_class = s.ApprovedStandardSerializer
    filterset_fields = ["status", "kind", "evaluation"]
    action_permission = "custom"  # the services check sourcing.approve_standard
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.standard_list(user=self.request.user)

    def _done(self, standard, code=status.HTTP_200_OK):
        return Response(s.ApprovedStandardSerializer(self.get_queryset().get(pk=standard.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.get("evaluation") is not None:
            data["evaluation"] = get_object_or_404(
                selectors.evaluation_list(user=request.user), pk=data["evaluation"].pk
            )
        return self._done(services.standard_approve(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=s.StandardUpdateSerializer, responses=s.ApprovedStandardSerializer)
    def partial_update(self, request, *args, **kwargs):
        standard = self.get_object()
        data = s.StandardUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(services.standard_update(actor=request.user, standard=standard, **data.validated_data))

    @extend_schema(request=ReasonSerializer, responses=s.ApprovedStandardSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer)
    def retire(self, request, pk=None):
        """Retire the standard, saying why."""
        standard = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            services.standard_retire(actor=request.user, standard=standard, reason=data.validated_data.get("reason"))
        )

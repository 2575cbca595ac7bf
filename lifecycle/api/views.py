from datetime import UTC

import django_filters
from django.core.cache import cache
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.viewsets import ScopedCreateReadViewSet, ValuesListMixin
from core.exceptions import ApplicationError
from core.filters import IdChoiceFilter
from core.permissions import with_confidentiality
from lifecycle import datasets, decommissioning, discovery, selectors, services, tasks
from lifecycle.api import serializers as s
from lifecycle.filters import ModelVersionFilterSet
from lifecycle.models import AIModel, Dataset, DecommissionPlan, Deployment, FreezeWindow, ModelVersion
from portfolio.models import UseCase


class AIModelFilterSet(django_filters.FilterSet):
    use_case = IdChoiceFilter(queryset=UseCase.objects.all())
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = AIModel
        fields = ["use_case", "mlflow_name", "confidential", "third_party", "q"]


class AIModelViewSet(ValuesListMixin, mixins.UpdateModelMixin, ScopedCreateReadViewSet):
    """The model inventory. Confidential models are visible to their unit, grantees and executives.
    PATCH changes descriptive fields and the promotion tolerance; owners change through `handover`.
    The list reads rows with .values(): every client pages through the whole inventory here."""

    queryset = AIModel.objects.select_related("use_case").prefetch_related("owners")
    serializer_class = s.AIModelSerializer
    filterset_class = AIModelFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return with_confidentiality(super().get_queryset())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        # A use case the caller may not see answers 404, as anywhere else: no refusal naming its unit.
        use_case = get_object_or_404(UseCase.objects.restrict(self.request.user, "view"), pk=data.pop("use_case").pk)
        serializer.instance = services.model_register(actor=self.request.user, use_case=use_case, **data)

    def perform_update(self, serializer):
        changes = {key: self.request.data[key] for key in self.request.data if key in serializer.fields}
        changes = {key: serializer.validated_data.get(key, value) for key, value in changes.items()}
        serializer.instance = services.model_update(actor=self.request.user, model=self.get_object(), **changes)

    @extend_schema(request=s.HandoverSerializer, responses=s.AIModelSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.HandoverSerializer)
    def handover(self, request, pk=None):
        """Hand ownership over: {"owners": [ids], "checklist": {...all true}, "reason"}."""
        body = s.HandoverSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        model = services.model_ownership_handover(
            actor=request.user,
            model=self.get_object(),
            new_owners=body.validated_data["owners"],
            checklist=body.validated_data["checklist"],
            reason=body.validated_data["reason"],
        )
        return Response(s.AIModelSerializer(model).data)

    @extend_schema(request=s.DownstreamConsumerSerializer, responses=s.DownstreamConsumerSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        action_permission="custom",
        serializer_class=s.DownstreamConsumerSerializer,
        pagination_class=None,
        filterset_class=None,
    )
    def consumers(self, request, pk=None):
        """GET the systems that call the model; POST {"system", "contact" or "contact_email", "criticality"}."""
        model = self.get_object()
        if request.method == "POST":
            body = s.DownstreamConsumerSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            consumer = decommissioning.consumer_register(actor=request.user, model=model, **body.validated_data)
            return Response(s.DownstreamConsumerSerializer([consumer], many=True).data, status=status.HTTP_201_CREATED)
        return Response(s.DownstreamConsumerSerializer(model.consumers.all(), many=True).data)

    @extend_schema(request=s.RollbackSerializer, responses=s.ModelVersionSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.RollbackSerializer)
    def rollback(self, request, pk=None):
        """One step back: suspend the production version, restore the previous one, open an incident."""
        data = s.RollbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        restored = services.model_rollback(actor=request.user, model=self.get_object(), **data.validated_data)
        return Response(s.ModelVersionSerializer(restored).data)

    @extend_schema(
        parameters=[OpenApiParameter("at", OpenApiTypes.DATETIME, required=True)], responses=s.ProductionAtSerializer
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def production(self, request, pk=None):
        """Which version was in production at `?at=` (ISO date-time), since when, moved there by whom."""
        at = parse_datetime(request.query_params.get("at", "") or "")
        if at is None:
            raise ApplicationError(
                "at: give an ISO date-time, e.g. 2026-06-30T12:00:00Z.", details={"at": ["Required."]}
            )
        if timezone.is_naive(at):
            at = timezone.make_aware(at, UTC)
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python parses (e.g. +18:01).
        at = at.astimezone(UTC)
        found = selectors.production_version_at(model=self.get_object(), at=at)
        return Response(
            {
                "version": found.version.pk if found.version else None,
                "version_label": found.version.version if found.version else None,
                "since": found.since,
                "moved_by": found.moved_by,
            }
        )


class DeploymentViewSet(ScopedCreateReadViewSet):
    """Deployments of versions: environment, strategy (canary share), serving, runtime, endpoint."""

    queryset = Deployment.objects.select_related("version__model")
    serializer_class = s.DeploymentSerializer
    filterset_fields = ["version", "environment", "status", "strategy"]
    action_permission = "custom"  # recording one is a change of the model; the service checks it

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        version = get_object_or_404(ModelVersion.objects.restrict(self.request.user, "view"), pk=data.pop("version").pk)
        serializer.instance = services.deployment_record(actor=self.request.user, version=version, **data)


class FreezeWindowViewSet(ScopedCreateReadViewSet):
    """Periods when production deployments are frozen (break-glass needs a second approver)."""

    queryset = FreezeWindow.objects.all()
    serializer_class = s.FreezeWindowSerializer
    create_service = staticmethod(services.freeze_window_create)


class ModelVersionViewSet(ScopedCreateReadViewSet):
    """Model versions. `stage` moves only through `transition`; `import` registers one from MLflow."""

    queryset = ModelVersion.objects.select_related("model")
    serializer_class = s.ModelVersionSerializer
    filterset_class = ModelVersionFilterSet

    def get_queryset(self):
        return with_confidentiality(super().get_queryset())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        model = get_object_or_404(AIModel.objects.restrict(self.request.user, "view"), pk=data.pop("model").pk)
        serializer.instance = services.model_version_register(actor=self.request.user, model=model, **data)

    @extend_schema(request=s.TransitionRequestSerializer, responses=s.ModelVersionSerializer)
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.TransitionRequestSerializer)
    def transition(self, request, pk=None):
        """Move the version: {"to": "in_validation", "reason": "..."}; 409 names the failed gates."""
        data = s.TransitionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.model_version_transition(
            actor=request.user,
            version=self.get_object(),
            to_stage=data.validated_data["to"],
            reason=data.validated_data.get("reason", ""),
        )
        return Response(s.ModelVersionSerializer(version).data)

    @extend_schema(request=s.VersionImportRequestSerializer, responses={201: s.ModelVersionSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        action_permission="custom",
        serializer_class=s.VersionImportRequestSerializer,
    )
    def import_version(self, request):
        """Register a version (and its model when new) from MLflow: {"mlflow_name", "mlflow_version", "use_case"}."""
        data = s.VersionImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        use_case = get_object_or_404(
            UseCase.objects.restrict(request.user, "view"), pk=data.validated_data["use_case"].pk
        )
        version = services.model_version_import(
            actor=request.user,
            mlflow_name=data.validated_data["mlflow_name"],
            mlflow_version=data.validated_data["mlflow_version"],
            use_case=use_case,
        )
        return Response(s.ModelVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.StepReasonSerializer, responses=s.ModelVersionSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="acknowledge-break",
        action_permission="custom",
        serializer_class=s.StepReasonSerializer,
    )
    def acknowledge_break(self, request, pk=None):
        """Accept an input signature incompatible with production's: {"reason"}; consumers are told."""
        body = s.StepReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = services.model_version_acknowledge_break(
            actor=request.user, version=self.get_object(), reason=body.validated_data["reason"]
        )
        return Response(s.ModelVersionSerializer(version).data)

    @extend_schema(request=s.VersionDatasetSerializer, responses={201: s.VersionDatasetSerializer})
    @action(detail=True, methods=["post"], action_permission="custom", serializer_class=s.VersionDatasetSerializer)
    def datasets(self, request, pk=None):
        """Record a dataset the version used: {"dataset", "role": "training"|"validation"|"reference", "revision",
        "content_hash"}; the exact data is part of the version's digest."""
        data = s.VersionDatasetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = get_object_or_404(
            Dataset.objects.restrict(request.user, "view"), pk=data.validated_data["dataset"].pk
        )
        link = datasets.version_dataset_link(
            actor=request.user,
            version=self.get_object(),
            dataset=dataset,
            role=data.validated_data["role"],
            revision=data.validated_data.get("revision", ""),
            content_hash=data.validated_data.get("content_hash", ""),
        )
        return Response(s.VersionDatasetSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.StageTransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def transitions(self, request, pk=None):
        """Every stage change of the version, newest first, with the gates checked."""
        rows = self.get_object().transitions.select_related("actor")
        return Response(s.StageTransitionSerializer(rows, many=True).data)


class DatasetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = Dataset
        fields = ["sensitivity", "mode", "synthetic", "business_unit", "steward", "q"]


class DatasetViewSet(mixins.UpdateModelMixin, ScopedCreateReadViewSet):
    """The dataset catalogue: schemas (a breaking change is flagged to the owners of the versions using it),
    privacy treatment of restricted personal data, lineage to versions, and import from a catalogue.
    PATCH changes the details as the dataset's edit page does (the name, the catalogue's key, never)."""

    queryset = Dataset.objects.select_related("privacy_treatment")
    serializer_class = s.DatasetSerializer
    filterset_class = DatasetFilterSet
    create_service = staticmethod(datasets.dataset_register)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_update(self, serializer):
        # Only what the caller sent: a PATCH of one field changes that field.
        changes = {key: value for key, value in serializer.validated_data.items() if key in self.request.data}
        serializer.instance = datasets.dataset_update(actor=self.request.user, dataset=self.get_object(), **changes)

    @extend_schema(request=s.SchemaRegisterSerializer, responses=s.DatasetSchemaVersionSerializer(many=True))
    @action(
        detail=True, methods=["get", "post"], action_permission="custom", pagination_class=None, filterset_class=None
    )
    def schemas(self, request, pk=None):
        """GET the schema history; POST {"columns": [{"name", "type"}]} registers the next schema."""
        dataset = self.get_object()
        if request.method == "POST":
            data = s.SchemaRegisterSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            schema = datasets.dataset_schema_register(
                actor=request.user, dataset=dataset, columns=data.validated_data["columns"]
            )
            return Response(s.DatasetSchemaVersionSerializer([schema], many=True).data, status=status.HTTP_201_CREATED)
        return Response(s.DatasetSchemaVersionSerializer(dataset.schema_versions.all(), many=True).data)

    @extend_schema(request=s.PrivacyTreatmentSerializer, responses={201: s.PrivacyTreatmentSerializer})
    @action(detail=True, methods=["post"], url_path="privacy-treatment", action_permission="custom")
    def privacy_treatment(self, request, pk=None):
        """Approve how restricted personal data was treated (by someone other than its steward)."""
        data = s.PrivacyTreatmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        treatment = datasets.privacy_treatment_record(
            actor=request.user, dataset=self.get_object(), **data.validated_data
        )
        return Response(s.PrivacyTreatmentSerializer(treatment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.VersionDatasetSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def lineage(self, request, pk=None):
        """The versions (that you may see) trained, validated or checked on this dataset."""
        links = selectors.dataset_lineage(user=request.user, dataset=self.get_object())
        return Response(s.VersionDatasetSerializer(links, many=True).data)

    @extend_schema(request=s.CatalogueImportRequestSerializer, responses=s.CatalogueImportResultSerializer)
    @action(detail=False, methods=["post"], url_path="import", action_permission="custom")
    def import_catalogue(self, request):
        """Import a catalogue export, all or nothing: {"format": "csv"|"openlineage", "content": "..."}."""
        data = s.CatalogueImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        importer = (
            datasets.datasets_import_csv
            if data.validated_data["format"] == "csv"
            else datasets.datasets_import_openlineage
        )
        report = importer(actor=request.user, file_text=data.validated_data["content"])
        body = s.CatalogueImportResultSerializer(report).data
        return Response(body, status=status.HTTP_400_BAD_REQUEST if report.errors else status.HTTP_200_OK)


class DecommissionViewSet(ScopedCreateReadViewSet):
    """Decommission plans: draft (sunset respects the tier's notice period), approve as owner and as
    independent validator, announce to consumers, acknowledge, complete the checklist, retire."""

    queryset = DecommissionPlan.objects.select_related("model", "version").prefetch_related(
        "notices__consumer", "function_approvals"
    )
    serializer_class = s.DecommissionPlanSerializer
    filterset_fields = ["model", "status", "reason"]
    action_permission = "custom"  # a plan is a change of its model; the services check it

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        model = get_object_or_404(AIModel.objects.restrict(self.request.user, "view"), pk=data.pop("model").pk)
        serializer.instance = decommissioning.decommission_plan_create(actor=self.request.user, model=model, **data)

    def _step(self, request, service, body_serializer=None):
        kwargs = {}
        if body_serializer is not None:
            body = body_serializer(data=request.data)
            body.is_valid(raise_exception=True)
            kwargs = body.validated_data
        service(actor=request.user, plan=self.get_object(), **kwargs)
        return Response(s.DecommissionPlanSerializer(self.get_queryset().get(pk=self.get_object().pk)).data)

    @extend_schema(request=s.PlanApprovalSerializer, responses=s.DecommissionPlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.PlanApprovalSerializer)
    def approve(self, request, pk=None):
        """{"as_role": "owner"|"validator"|function code}: all are needed before the plan is announced."""
        return self._step(request, decommissioning.decommission_plan_approve, s.PlanApprovalSerializer)

    @extend_schema(request=None, responses=s.DecommissionPlanSerializer)
    @action(detail=True, methods=["post"])
    def announce(self, request, pk=None):
        """Tell every downstream consumer (in-app and email) and track their acknowledgement."""
        return self._step(request, decommissioning.decommission_plan_announce)

    @extend_schema(request=s.DecommissionChecklistSerializer, responses=s.DecommissionPlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.DecommissionChecklistSerializer)
    def checklist(self, request, pk=None):
        """Record checklist items (any subset): archive, predictions, resources and cost saved, docs, post-mortem."""
        body = s.DecommissionChecklistSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        decommissioning.decommission_checklist_update(actor=request.user, plan=self.get_object(), **body.validated_data)
        return Response(s.DecommissionPlanSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=s.NoticeAcknowledgeSerializer, responses=s.DecommissionPlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.NoticeAcknowledgeSerializer)
    def acknowledge(self, request, pk=None):
        """A consumer's contact acknowledges; an owner records one received elsewhere (with a note)."""
        body = s.NoticeAcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notice = get_object_or_404(self.get_object().notices, pk=body.validated_data["notice"])
        decommissioning.consumer_notice_acknowledge(
            actor=request.user, notice=notice, note=body.validated_data.get("note", "")
        )
        return Response(s.DecommissionPlanSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=None, responses=s.DecommissionPlanSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """Retire on or after the sunset date once the checklist is done (409 lists what is missing)."""
        return self._step(request, decommissioning.decommission_retire)

    @extend_schema(request=s.StepReasonSerializer, responses=s.DecommissionPlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=s.StepReasonSerializer)
    def cancel(self, request, pk=None):
        """Cancel an open plan: {"reason"}."""
        return self._step(request, decommissioning.decommission_plan_cancel, s.StepReasonSerializer)


class MlflowWebhookView(APIView):
    """MLflow's registry webhook: a new registered model or version is looked up at once (polling stays
    the fallback). Authenticated by MLflow's HMAC signature, not by a user; a delivery counts once."""

    authentication_classes = []
    permission_classes = [AllowAny]
    EVENTS = {("registered_model", "created"), ("model_version", "created")}

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={202: OpenApiTypes.OBJECT, 401: OpenApiTypes.OBJECT},
        auth=[],
    )
    def post(self, request):
        body = request.body
        delivery = request.headers.get("X-MLflow-Delivery-Id", "")
        if not discovery.webhook_signature_valid(
            body=body,
            delivery_id=delivery,
            timestamp=request.headers.get("X-MLflow-Timestamp", ""),
            signature=request.headers.get("X-MLflow-Signature", ""),
        ):
            return Response(
                {"detail": "Missing, stale or invalid MLflow signature."}, status=status.HTTP_401_UNAUTHORIZED
            )
        if not cache.add(f"mlflow-webhook:{delivery}", 1, timeout=2 * discovery.MAX_WEBHOOK_AGE_SECONDS):
            return Response({"queued": False, "detail": "Delivery already received."}, status=status.HTTP_202_ACCEPTED)
        event = request.data if isinstance(request.data, dict) else {}
        name = (event.get("data") or {}).get("name") if isinstance(event.get("data"), dict) else None
        if (event.get("entity"), event.get("action")) not in self.EVENTS or not isinstance(name, str):
            return Response({"queued": False, "detail": "Event ignored."}, status=status.HTTP_202_ACCEPTED)
        tasks.discover_mlflow_models.delay(name[:256])
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)

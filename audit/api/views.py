from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from audit import retention
from audit.api.serializers import (
    AuditEventSerializer,
    ChainReportSerializer,
    LegalHoldReleaseSerializer,
    LegalHoldSerializer,
    PurgeRunSerializer,
)
from audit.filters import AuditEventFilterSet
from audit.models import AuditEvent, LegalHold, PurgeRun
from audit.selectors import audit_event_list, legal_hold_list, purge_run_list
from audit.services import verify_chain


class HasViewPermission(BasePermission):
    """Signed-in holders of the view's `view_permission`; what they may change the service decides."""

    message = "You may not see these records."

    def has_permission(self, request, view):
        user = request.user
        self.message = getattr(view, "permission_message", self.message)
        return bool(user and user.is_authenticated and user.is_active and user.has_perm(view.view_permission))


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first. Read-only: the database refuses edits."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["seq", "at"]
    queryset = AuditEvent.objects.none()  # for schema introspection; get_queryset scopes the real one
    permission_classes = [HasViewPermission]
    view_permission = "audit.view_auditevent"
    permission_message = "You may not read the audit trail."

    def get_queryset(self):
        return audit_event_list(user=self.request.user)

    @extend_schema(responses=ChainReportSerializer)
    @action(detail=False, methods=["get"])
    def verify(self, request):
        """Walk the whole hash chain and report the first event that does not verify."""
        return Response(verify_chain().as_dict())


class LegalHoldViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Legal holds: while one is active, the retention purge deletes nothing it covers (a use case, a model,
    or everything). Placed and released, never edited or deleted."""

    serializer_class = LegalHoldSerializer
    queryset = LegalHold.objects.none()  # for schema introspection; get_queryset scopes the real one
    permission_classes = [HasViewPermission]
    view_permission = "audit.view_legalhold"
    filterset_fields = ["scope", "target_id"]
    ordering_fields = ["placed_at", "released_at"]

    def get_queryset(self):
        return legal_hold_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = retention.legal_hold_place(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=LegalHoldReleaseSerializer, responses=LegalHoldSerializer)
    @action(detail=True, methods=["post"], serializer_class=LegalHoldReleaseSerializer)
    def release(self, request, pk=None):
        """{"reason"}: from the next purge run on, what only this hold kept may be deleted."""
        body = LegalHoldReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hold = retention.legal_hold_release(actor=request.user, hold=self.get_object(), **body.validated_data)
        return Response(LegalHoldSerializer(hold).data, status=status.HTTP_200_OK)


class PurgeRunViewSet(viewsets.ReadOnlyModelViewSet):
    """The runs of the retention purge: what each deleted, what a legal hold kept, and who ran it."""

    serializer_class = PurgeRunSerializer
    queryset = PurgeRun.objects.none()
    permission_classes = [HasViewPermission]
    view_permission = "audit.view_purgerun"
    filterset_fields = ["status", "dry_run"]
    ordering_fields = ["started_at"]

    def get_queryset(self):
        return purge_run_list(user=self.request.user)

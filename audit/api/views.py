from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from audit.api.serializers import AuditEventSerializer, ChainReportSerializer
from audit.filters import AuditEventFilterSet
from audit.models import AuditEvent
from audit.selectors import audit_event_list
from audit.services import verify_chain


class CanReadAuditTrail(BasePermission):
    message = "You may not read the audit trail."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.has_perm("audit.view_auditevent"))


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first. Read-only: the database refuses edits."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["seq", "at"]
    queryset = AuditEvent.objects.none()  # for schema introspection; get_queryset scopes the real one
    permission_classes = [CanReadAuditTrail]

    def get_queryset(self):
        return audit_event_list(user=self.request.user)

    @extend_schema(responses=ChainReportSerializer)
    @action(detail=False, methods=["get"])
    def verify(self, request):
        """Walk the whole hash chain and report the first event that does not verify."""
        return Response(verify_chain().as_dict())

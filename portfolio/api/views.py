from core.api.viewsets import ReadOnlyScopedViewSet, ScopedViewSet
from portfolio import services
from portfolio.api.serializers import BusinessUnitSerializer, UseCaseSerializer
from portfolio.filters import BusinessUnitFilterSet, UseCaseFilterSet
from portfolio.models import BusinessUnit, UseCase


class BusinessUnitViewSet(ReadOnlyScopedViewSet):
    """Business units. Created and changed by platform admins (admin pages)."""

    queryset = BusinessUnit.objects.all()
    serializer_class = BusinessUnitSerializer
    filterset_class = BusinessUnitFilterSet
    ordering_fields = ["code", "name"]


class UseCaseViewSet(ScopedViewSet):
    """AI use cases. Confidential ones are visible to their business unit, grantees and executives."""

    queryset = UseCase.objects.select_related("business_unit", "owner")
    serializer_class = UseCaseSerializer
    filterset_class = UseCaseFilterSet
    ordering_fields = ["number", "title", "estimated_value", "estimated_cost", "created_at"]

    def perform_create(self, serializer):
        serializer.instance = services.use_case_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.use_case_update(
            actor=self.request.user, use_case=serializer.instance, **serializer.validated_data
        )

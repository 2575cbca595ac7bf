"""Base viewsets: querysets scoped to what the user may see, writes delegated to services."""

from rest_framework import mixins, viewsets


class ScopedQuerysetMixin:
    """Lists and details show only what the user may see; the rest answers 404."""

    # "custom" on an @action: the service it calls checks permission on the object itself.
    action_permission: str | None = None

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, "view")


class ReadOnlyScopedViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Create, read, update; no delete (governed records are never hard-deleted).

    Subclasses implement `perform_create` / `perform_update` by calling a service."""


class ScopedCreateReadViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Create and read; records change later through named commands (@action), not a generic update.

    A subclass names its `create_service`, called as `create_service(actor=user, **validated_data)`."""

    create_service = None

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(actor=self.request.user, **serializer.validated_data)

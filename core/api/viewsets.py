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

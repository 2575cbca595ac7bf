"""Ordering for every API list."""

from rest_framework.filters import OrderingFilter


class ModelOrderingFilter(OrderingFilter):
    """Without `ordering_fields`, DRF offers every field of the view's serializer for `?ordering=`, even one the
    queryset's model does not have (an action answering with another model's serializer): ordering by it was a
    server error. Only what the query can sort by is offered; anything else is ignored, as unknown fields are."""

    def get_default_valid_fields(self, queryset, view, context=None):
        fields = [f for f in queryset.model._meta.get_fields() if f.concrete]
        sortable = {"pk", *(f.name for f in fields), *(f.attname for f in fields), *queryset.query.annotations}
        offered = super().get_default_valid_fields(queryset, view, context)
        return [(name, label) for name, label in offered if name.split("__")[0] in sortable]

"""Base viewsets: querysets scoped to what the user may see, writes delegated to services."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from rest_framework import fields, mixins, relations, viewsets
from rest_framework.response import Response


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


_MANY = object()  # marks a many-to-many field in ValuesListMixin's plan
# A serializer field of these exact types gives back the value the database column already holds.
_AS_STORED = {
    fields.CharField: (models.CharField, models.TextField),
    fields.BooleanField: (models.BooleanField,),
    fields.IntegerField: (models.IntegerField,),
    fields.FloatField: (models.FloatField,),
}


def _flat(source: str) -> bool:
    return source != "*" and "." not in source


def _as_stored(model, field) -> bool:
    try:
        column = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return isinstance(column, _AS_STORED.get(type(field), ()))


class ValuesListMixin:
    """`list` reads rows with `.values()` and the many-to-many ids in one query on the through table, then
    formats each column with the serializer's own field, so the JSON is what the serializer would give, without
    building a model instance per row (and per related row): a page of 500 costs a few milliseconds, not a
    hundred. Filters, ordering, scoping and pagination are the viewset's own; only flat fields, foreign keys and
    many-to-many fields shown as ids are supported, and anything else is refused when the list is first read."""

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        plan = self._values_plan()
        values = queryset.values("pk", *(column for _, column, fmt in plan if fmt is not _MANY))
        page = self.paginate_queryset(values)
        rows = page if page is not None else list(values)
        related = {column: self._related_ids(queryset.model, column, rows) for _, column, fmt in plan if fmt is _MANY}
        data = [{name: self._cell(row, column, fmt, related) for name, column, fmt in plan} for row in rows]
        return self.get_paginated_response(data) if page is not None else Response(data)

    @staticmethod
    def _cell(row: dict, column: str, fmt, related: dict):
        if fmt is _MANY:
            return related[column].get(row["pk"], [])
        value = row[column]
        # As Serializer.to_representation: None stays None, without asking the field.
        return value if value is None or fmt is None else fmt(value)

    def _values_plan(self) -> list[tuple]:
        """[(output name, column or many-to-many field, formatter or None or _MANY)] in the serializer's order."""
        model = self.get_queryset().model
        plan = []
        for name, field in self.get_serializer().fields.items():
            if field.write_only:
                continue
            if isinstance(field, relations.ManyRelatedField) and self._plain_pk(field.child_relation):
                plan.append((name, field.source, _MANY))
            elif isinstance(field, relations.PrimaryKeyRelatedField) and self._plain_pk(field):
                plan.append((name, model._meta.get_field(field.source).attname, None))
            elif isinstance(field, relations.RelatedField | relations.ManyRelatedField) or not _flat(field.source):
                raise ImproperlyConfigured(f"{type(self).__name__}: field {name!r} cannot be read with .values()")
            else:
                # A field may read an annotation of the list's queryset instead of its own column (values_column).
                column = getattr(field, "values_column", field.source)
                plan.append((name, column, None if _as_stored(model, field) else field.to_representation))
        return plan

    @staticmethod
    def _plain_pk(field) -> bool:
        return isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is None

    @staticmethod
    def _related_ids(model, name: str, rows: list[dict]) -> dict[int, list]:
        if not rows:
            return {}
        m2m = model._meta.get_field(name)
        source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
        pairs = m2m.remote_field.through.objects.filter(**{f"{source}__in": [row["pk"] for row in rows]})
        found: dict[int, list] = {}
        for owner, related in pairs.order_by(source, target).values_list(source, target):
            found.setdefault(owner, []).append(related)
        return found


class PermissionBeforeInput:
    """Creating or editing needs `write_permission`: a caller without it hears so before any input check."""

    write_permission = ""
    refusal = ""

    def initial(self, request, *args, **kwargs):
        from core.exceptions import NotAllowed

        super().initial(request, *args, **kwargs)
        if self.action in ("create", "partial_update") and not request.user.has_perm(self.write_permission):
            raise NotAllowed(self.refusal)

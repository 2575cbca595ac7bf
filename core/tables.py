"""The list pages' one table behaviour: sortable headers, the shared pagination, and "Export CSV".

A list view declares its `columns` once; each column says how its header sorts (whitelisted ORM fields, or
none) and what its CSV cell holds. `?sort=key` / `?sort=-key` orders the page's own queryset, so sorting and
the export see exactly the rows the list shows (permissions, confidentiality, filters); an unknown key is
ignored. Every export goes through core.downloads, the writer that keeps cells inert for spreadsheets.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, CharField, F, IntegerField, TextField, Value, When
from django.db.models.functions import Lower

from core.downloads import csv_table_response

EXPORT_PARAM, SORT_PARAM = "format", "sort"


@dataclass(frozen=True)
class Column:
    """One column of a list: its header, the ORM fields its header sorts by, and its CSV cell."""

    key: str
    label: str
    order_by: tuple[str, ...] = ()  # empty: the header does not sort
    cell: str | Callable[[Any], Any] | None = None  # dotted attribute or function of the row; None: not exported
    num: bool = False
    title: str = ""
    shown: bool = True  # False: in the export only (the page shows it inside another cell)

    @property
    def sortable(self) -> bool:
        return bool(self.order_by)

    def value(self, row):
        if callable(self.cell):
            return self.cell(row)
        try:
            value = attrgetter(self.cell)(row)
        except AttributeError:  # a missing optional link (no sponsor) is an empty cell
            return None
        return value() if callable(value) else value  # get_status_display and the like are called


def person_name(user) -> str:
    """A person's cell: their name, or their username when no name is recorded; empty for nobody."""
    return (user.get_full_name() or user.username) if user else ""


def _field(model, path: str):
    """The model field that `path` (fields joined by __) ends on, or None for an annotation."""
    field = None
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        model = field.related_model or model
    return field


def _ordered(model, path: str, descending: bool):
    """One ORDER BY term, as a reader expects it: a field with choices in their declared order (low, medium,
    high, critical; the workflow's order of statuses), text whatever its case (“Affordability” before “AML”),
    and empty values last both ways, so "highest first" does not open on blanks."""
    name = path.lstrip("-")
    field = _field(model, name)
    if field is not None and field.choices:
        ranks = [When(**{name: value}, then=Value(rank)) for rank, (value, _) in enumerate(field.flatchoices)]
        expression = Case(*ranks, default=Value(len(ranks)), output_field=IntegerField())
    elif isinstance(field, CharField | TextField):
        expression = Lower(name)
    else:
        expression = F(name)
    flip = path.startswith("-") != descending
    return expression.desc(nulls_last=True) if flip else expression.asc(nulls_last=True)


class SortedTableMixin:
    """For a ListView: `columns`, a `default_sort` key (or "" for the queryset's own order) and an
    `export_filename`. Call `self.sorted(queryset)` last in get_queryset; `?format=csv` exports."""

    columns: tuple[Column, ...] = ()
    default_sort = ""
    export_filename = ""

    def sort_asked(self) -> tuple[Column | None, bool]:
        """The column and direction the URL asks for, or the default; an unknown key is ignored."""
        by_key = {c.key: c for c in self.columns if c.sortable}
        for asked in (self.request.GET.get(SORT_PARAM, ""), self.default_sort):
            descending = asked.startswith("-")
            column = by_key.get(asked.removeprefix("-"))
            if column is not None:
                return column, descending
        return None, False

    def sorted(self, queryset):
        column, descending = self.sort_asked()
        if column is None:
            return queryset
        # The primary key last keeps the order stable between pages when sort values tie.
        ordered = (_ordered(queryset.model, f, descending) for f in column.order_by)
        return queryset.order_by(*ordered, "-pk" if descending else "pk")

    def get(self, request, *args, **kwargs):
        if self.export_filename and request.GET.get(EXPORT_PARAM) == "csv":
            return self.export_csv()
        return super().get(request, *args, **kwargs)

    def export_rows(self):
        """The rows of the export: the whole filtered, sorted list (not one page)."""
        return self.get_queryset()

    def export_csv(self):
        exported = [c for c in self.columns if c.cell is not None]
        rows = ([c.value(row) for c in exported] for row in self.export_rows())
        return csv_table_response([c.label for c in exported], rows, self.export_filename)

    def table_context(self) -> dict:
        """The header cells (label, link, aria-sort) and the query string that keeps filters and sort."""
        current, descending = self.sort_asked()
        query = self.request.GET.copy()
        for name in ("page", EXPORT_PARAM):
            query.pop(name, None)
        headers = []
        for column in (c for c in self.columns if c.shown):
            link = state = None
            if column.sortable:
                is_current = column is current
                state = ("descending" if descending else "ascending") if is_current else None
                target = query.copy()
                target[SORT_PARAM] = f"-{column.key}" if is_current and not descending else column.key
                link = "?" + target.urlencode()
            headers.append({"column": column, "link": link, "aria_sort": state})
        export = query.copy()
        export[EXPORT_PARAM] = "csv"
        return {"table_headers": headers, "export_query": export.urlencode(), "sorted_query": query.urlencode()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Pagination keeps the filters and the sort (a page that builds its own `query` copies the URL too).
        table = self.table_context()
        context.setdefault("query", table["sorted_query"])
        return {**context, **table}


__all__ = ["Column", "SortedTableMixin", "person_name"]

"""Filters shared by every app's FilterSets."""

import django_filters
from django import forms
from django.forms.models import ModelChoiceField

from core.periods import day_window

_MAX_ID = 2**63 - 1


def _check_ids(values) -> None:
    """Ids must be whole numbers a database can hold; anything else is invalid input, named as such."""
    for value in values:
        text = str(value)
        if not (text.isascii() and text.isdigit()) or int(text) > _MAX_ID:
            # The value goes in params: a "%" in it must not be read as a format directive.
            raise forms.ValidationError("“%(value)s” is not an id.", code="invalid_pk_value", params={"value": text})


class _IdChoiceField(ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _check_ids([value])
        return super().to_python(value)


class _IdMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        _check_ids(value)
        return super()._check_values(value)


class IdChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _IdChoiceField


class IdMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = _IdMultipleChoiceField


def visible(model):
    """The choices of an id filter: the records the caller may see. Filtering by a hidden record is refused
    like filtering by one that does not exist, so the answer does not tell whether it exists."""

    def choices(request):
        user = getattr(request, "user", None)
        return model.objects.restrict(user, "view") if user is not None else model.objects.none()

    return choices


class WindowForm(forms.Form):
    """A filter form whose `<name>_after` / `<name>_before` date pairs must not run backwards."""

    def clean(self):
        data = super().clean()
        for name, after in list(data.items()):
            if not name.endswith("_after") or not after:
                continue
            pair = name.removesuffix("_after") + "_before"
            before = data.get(pair)
            if before and after > before:
                self.add_error(name, f"{name} ({after}) is later than {pair} ({before}).")
        return data


def applied_together(queryset, name, value):
    """The method of a filter its FilterSet applies in `filter_queryset`, together with its siblings."""
    return queryset


def window_text(after, before) -> str:
    if after and before:
        return f"from {after} to {before}"
    return f"on or after {after}" if after else f"on or before {before}"


class MovedFilterSet(django_filters.FilterSet):
    """`moved_to`, `moved_after`, `moved_before` (local dates, both included): the records with a recorded
    move to that status or stage in the window, as the dashboards' lifecycle chart counts them. A subclass
    declares `moved_to` with its choices and implements `moved(queryset, *, to, start, end)`."""

    moved_after = django_filters.DateFilter(method=applied_together, label="Moved on or after")
    moved_before = django_filters.DateFilter(method=applied_together, label="Moved on or before")
    moved_noun = "status"

    def moved(self, queryset, *, to, start, end):
        """The subclass's selector of records moved to `to` (any when empty) between `start` and `end`."""
        raise NotImplementedError(f"{type(self).__name__} must define moved(): how a move of its records is found.")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        to, after, before = data.get("moved_to"), data.get("moved_after"), data.get("moved_before")
        if to or after or before:
            start, end = day_window(after, before)
            queryset = self.moved(queryset, to=to, start=start, end=end)
        return queryset

    def active_windows(self) -> list[tuple[str, list[str]]]:
        """(what the list is narrowed to, the parameters that remove it) for the page's filter chips."""
        if not self.is_bound or not self.is_valid():
            return []
        data, chips = self.form.cleaned_data, []
        to, after, before = data.get("moved_to"), data.get("moved_after"), data.get("moved_before")
        if to or after or before:
            choices = dict(self.filters["moved_to"].extra.get("choices") or [])
            text = f"Moved to {choices.get(to, to)}" if to else f"Changed {self.moved_noun}"
            if after or before:
                text += " " + window_text(after, before)
            chips.append((text, ["moved_to", "moved_after", "moved_before"]))
        return chips


def without(query, names) -> str:
    """The query string with the named parameters (and the page) removed: a filter chip's remove link."""
    query = query.copy()
    for name in [*names, "page"]:
        query.pop(name, None)
    return query.urlencode()


class FilteredListMixin:
    """A list page filtered by `filterset_class` from the URL. A refused filter lists nothing rather than
    everything (the page names what was wrong); the drill-down filters show as removable chips."""

    filterset_class: type[django_filters.FilterSet]

    def filtered(self, queryset):
        # An empty choice ("any risk tier") is no filter, not a bad value: a form sends every field.
        data = self.request.GET.copy()
        for name in list(data):
            values = [v for v in data.getlist(name) if v != ""]
            if values:
                data.setlist(name, values)
            else:
                del data[name]
        self.filterset = self.filterset_class(data or None, queryset=queryset, request=self.request)
        return self.filterset.qs if not self.filterset.is_bound or self.filterset.is_valid() else queryset.none()

    def filter_context(self) -> dict:
        query = self.request.GET.copy()
        query.pop("page", None)
        chips = self.filterset.active_windows() if hasattr(self.filterset, "active_windows") else []
        return {
            "filterset": self.filterset,
            "query": query.urlencode(),
            "chips": [(text, without(query, names)) for text, names in chips],
            # The filter form keeps the drill-down's window when another filter changes.
            "carried": [(name, query[name]) for _, names in chips for name in names if query.get(name)],
        }


__all__ = [
    "FilteredListMixin",
    "IdChoiceFilter",
    "IdMultipleChoiceFilter",
    "MovedFilterSet",
    "WindowForm",
    "visible",
    "without",
]

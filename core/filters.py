"""Filters shared by every app's FilterSets."""

import django_filters
from django import forms
from django.forms.models import ModelChoiceField

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


__all__ = ["IdChoiceFilter", "IdMultipleChoiceFilter", "visible"]

"""The filters every dashboard keeps in its URL: business unit, objective and period."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from portfolio import selectors as portfolio

PERIODS = [("3", "Last 3 months"), ("6", "Last 6 months"), ("12", "Last 12 months"), ("24", "Last 24 months")]


class DashboardFilters(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="code", empty_label="All business units", label="Business unit"
    )
    objective = forms.ModelChoiceField(queryset=None, required=False, empty_label="All objectives")
    period = forms.ChoiceField(choices=PERIODS, required=False, initial="12")

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["unit"].queryset = portfolio.business_unit_list(user=user).order_by("code")
        self.fields["objective"].queryset = portfolio.objective_list(user=user).filter(is_active=True)

    @property
    def values(self) -> dict:
        """The cleaned filters; an unknown or hidden unit or objective reads as none (never an error page)."""
        self.is_valid()  # keeps the fields that are valid
        data = getattr(self, "cleaned_data", {})  # unbound: no filters
        months = int(data.get("period") or 12)
        return {
            "unit": data.get("unit"),
            "objective": data.get("objective"),
            "months": months,
            "since": timezone.localdate() - timedelta(days=round(months * 30.44)),
        }

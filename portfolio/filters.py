import django_filters

from core.filters import (
    IdChoiceFilter,
    IdMultipleChoiceFilter,
    MovedFilterSet,
    WindowForm,
    applied_together,
    window_text,
)
from core.periods import day_window
from portfolio import selectors
from portfolio.choices import Horizon, KPISource, RiskTier, Sourcing, UseCaseStatus
from portfolio.models import KPI, BusinessUnit, Capability, Objective, ScoringCriterion, UseCase


class BusinessUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = BusinessUnit
        fields = ["code", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(code__icontains=value)


class UseCaseFilterSet(MovedFilterSet):
    """The use case list's filters (page and API). `moved_*` and `created_*` are the lifecycle chart's
    drill-downs: a transition to a status, or the proposal itself, within local days (both included)."""

    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title contains")
    status = django_filters.MultipleChoiceFilter(choices=UseCaseStatus.choices)
    risk_tier = django_filters.MultipleChoiceFilter(choices=RiskTier.choices)
    sourcing = django_filters.MultipleChoiceFilter(choices=Sourcing.choices)
    business_unit = IdMultipleChoiceFilter(queryset=BusinessUnit.objects.all())
    capability = IdChoiceFilter(field_name="capabilities", queryset=Capability.objects.all())
    objective = IdChoiceFilter(field_name="objective_links__objective", queryset=Objective.objects.all(), distinct=True)
    moved_to = django_filters.ChoiceFilter(choices=UseCaseStatus.choices, method=applied_together, label="Moved to")
    created_after = django_filters.DateFilter(method=applied_together, label="Proposed on or after")
    created_before = django_filters.DateFilter(method=applied_together, label="Proposed on or before")

    def moved(self, queryset, *, to, start, end):
        return selectors.use_cases_moved(queryset, to=to, start=start, end=end)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        after, before = self.form.cleaned_data.get("created_after"), self.form.cleaned_data.get("created_before")
        if after or before:
            start, end = day_window(after, before)
            queryset = selectors.use_cases_created(queryset, start=start, end=end)
        return queryset

    def active_windows(self):
        chips = super().active_windows()
        if self.is_bound and self.is_valid():
            after, before = self.form.cleaned_data.get("created_after"), self.form.cleaned_data.get("created_before")
            if after or before:
                chips.append((f"Proposed {window_text(after, before)}", ["created_after", "created_before"]))
            # The form has no unit field: a drill-down's unit is shown (and removed) here.
            if units := self.form.cleaned_data.get("business_unit"):
                chips.append((f"Business unit {', '.join(u.code for u in units)}", ["business_unit"]))
        return chips

    class Meta:
        form = WindowForm
        model = UseCase
        fields = [
            "q",
            "status",
            "risk_tier",
            "sourcing",
            "business_unit",
            "confidential",
            "sponsor",
            "owner",
            "capability",
            "objective",
        ]


class ObjectiveFilterSet(django_filters.FilterSet):
    horizon = django_filters.ChoiceFilter(choices=Horizon.choices)
    enterprise_wide = django_filters.BooleanFilter(field_name="business_unit", lookup_expr="isnull")

    class Meta:
        model = Objective
        fields = ["business_unit", "horizon", "is_active", "owner", "enterprise_wide"]


class KPIFilterSet(django_filters.FilterSet):
    source = django_filters.ChoiceFilter(choices=KPISource.choices)

    class Meta:
        model = KPI
        fields = ["objective", "source"]


class ScoringCriterionFilterSet(django_filters.FilterSet):
    class Meta:
        model = ScoringCriterion
        fields = ["is_active", "source"]

import django_filters

from core.filters import IdChoiceFilter, IdMultipleChoiceFilter
from portfolio.choices import Horizon, KPISource, RiskTier, Sourcing, UseCaseStatus
from portfolio.models import KPI, BusinessUnit, Capability, Objective, ScoringCriterion, UseCase


class BusinessUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = BusinessUnit
        fields = ["code", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(code__icontains=value)


class UseCaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Title contains")
    status = django_filters.MultipleChoiceFilter(choices=UseCaseStatus.choices)
    risk_tier = django_filters.MultipleChoiceFilter(choices=RiskTier.choices)
    sourcing = django_filters.MultipleChoiceFilter(choices=Sourcing.choices)
    business_unit = IdMultipleChoiceFilter(queryset=BusinessUnit.objects.all())
    capability = IdChoiceFilter(field_name="capabilities", queryset=Capability.objects.all())
    objective = IdChoiceFilter(field_name="objective_links__objective", queryset=Objective.objects.all(), distinct=True)

    class Meta:
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

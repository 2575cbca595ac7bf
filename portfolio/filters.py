import django_filters

from portfolio.choices import RiskTier, UseCaseStatus
from portfolio.models import BusinessUnit, UseCase


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
    business_unit = django_filters.ModelMultipleChoiceFilter(queryset=BusinessUnit.objects.all())

    class Meta:
        model = UseCase
        fields = ["q", "status", "risk_tier", "business_unit", "confidential"]

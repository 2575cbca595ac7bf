import django_filters

from audit.labels import labels_of
from audit.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="iexact", label="Actor (username)")
    action = django_filters.CharFilter(field_name="action", lookup_expr="startswith", label="Action starts with")
    target_type = django_filters.CharFilter(method="filter_target_type", label="Target type")
    target_id = django_filters.CharFilter(field_name="target_id", label="Target id")
    target = django_filters.CharFilter(field_name="target_repr", lookup_expr="icontains", label="Target contains")
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From (date)")
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To (date)")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "target_type", "target_id", "target", "since", "until"]

    def filter_target_type(self, queryset, name, value):
        # A record whose model moved app has its earlier events under the former label.
        return queryset.filter(target_type__in=labels_of(value))

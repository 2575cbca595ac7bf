from datetime import timedelta

import django_filters

from core.filters import IdChoiceFilter, WindowForm, applied_together, visible, window_text
from lifecycle.models import ModelVersion
from monitoring.models import Alert
from monitoring.selectors import day_ms


class AlertWindowFilterSet(django_filters.FilterSet):
    """The alerts of a version and metric whose breaches touch a window of UTC days (both included): the
    list behind a point of the version page's trend charts."""

    model_version = IdChoiceFilter(queryset=visible(ModelVersion))
    metric = django_filters.CharFilter(field_name="rule__metric__name", label="Metric")
    breached_after = django_filters.DateFilter(method=applied_together, label="Breached on or after (UTC)")
    breached_before = django_filters.DateFilter(method=applied_together, label="Breached on or before (UTC)")

    class Meta:
        form = WindowForm
        model = Alert
        fields = ["model_version", "metric"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        after, before = self.form.cleaned_data.get("breached_after"), self.form.cleaned_data.get("breached_before")
        # An alert spans its first to its latest breach; it belongs to every day that span touches.
        if after:
            queryset = queryset.filter(last_breach_at__gte=day_ms(after))
        if before:
            queryset = queryset.filter(first_breach_at__lt=day_ms(before + timedelta(days=1)))
        return queryset

    def active_windows(self) -> list[tuple[str, list[str]]]:
        if not self.is_bound or not self.is_valid():
            return []
        data, chips = self.form.cleaned_data, []
        if data.get("model_version"):
            chips.append((f"Version {data['model_version']}", ["model_version"]))
        if data.get("metric"):
            chips.append((f"Metric {data['metric']}", ["metric"]))
        if data.get("breached_after") or data.get("breached_before"):
            text = f"Breached {window_text(data.get('breached_after'), data.get('breached_before'))} (UTC)"
            chips.append((text, ["breached_after", "breached_before"]))
        return chips

import django_filters

from core.filters import IdChoiceFilter, MovedFilterSet, WindowForm, applied_together
from lifecycle import selectors
from lifecycle.choices import Stage
from lifecycle.models import AIModel, ModelVersion


class ModelVersionFilterSet(MovedFilterSet):
    """The version list's filters (page and API); `moved_*` are the lifecycle chart's drill-downs."""

    model = IdChoiceFilter(queryset=AIModel.objects.all())
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    unit = django_filters.CharFilter(field_name="model__use_case__business_unit__code", label="Business unit")
    moved_to = django_filters.ChoiceFilter(choices=Stage.choices, method=applied_together, label="Moved to")
    moved_noun = "stage"

    def moved(self, queryset, *, to, start, end):
        return selectors.versions_moved(queryset, to=to, start=start, end=end)

    class Meta:
        form = WindowForm
        model = ModelVersion
        fields = ["model", "stage", "mlflow_run_id", "unit"]

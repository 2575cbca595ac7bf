from django import forms

from lifecycle.choices import EMERGENCY_EDGES, NEXT_STAGES, Stage


class VersionTransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move to", choices=Stage.choices)
    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        # An emergency edge is taken from the emergency release itself, never from this menu.
        allowed = [
            (s.value, s.label)
            for s in Stage
            if s.value in NEXT_STAGES[version.stage] and (version.stage, s.value) not in EMERGENCY_EDGES
        ]
        # No default: moving a production version is never one careless click.
        self.fields["to"].choices = [("", "Choose a stage"), *allowed] if allowed else []


class ProductionAtForm(forms.Form):
    at = forms.DateTimeField(label="At (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class DatasetFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    sensitivity = forms.ChoiceField(label="Sensitivity", required=False)

    def __init__(self, *args, **kwargs):
        from lifecycle.models import Dataset

        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = [("", "Any"), *Dataset.Sensitivity.choices]


class ModelFilterForm(forms.Form):
    """The inventory's filters; the dashboards' drill-downs link here with them in the URL."""

    q = forms.CharField(label="Search", required=False)
    unit = forms.CharField(label="Business unit", required=False)
    tier = forms.ChoiceField(label="Risk tier", required=False)
    stage = forms.ChoiceField(label="Stage (most advanced version)", required=False)
    alert = forms.ChoiceField(label="Open alerts", required=False, choices=[("", "Any"), ("critical", "Critical")])

    def __init__(self, *args, **kwargs):
        from lifecycle.choices import Stage
        from portfolio.choices import RiskTier

        super().__init__(*args, **kwargs)
        self.fields["tier"].choices = [("", "Any"), *RiskTier.choices]
        self.fields["stage"].choices = [("", "Any"), *Stage.choices]


class CatalogueImportForm(forms.Form):
    FORMATS = [("csv", "CSV (one dataset per row)"), ("openlineage", "OpenLineage events (JSON)")]
    format = forms.ChoiceField(choices=FORMATS)
    file = forms.FileField(help_text="At most 5,000 datasets, UTF-8.")


class DecommissionPlanForm(forms.Form):
    reason = forms.ChoiceField()
    version = forms.ModelChoiceField(queryset=None, required=False, empty_label="The whole model")
    replacement = forms.ModelChoiceField(queryset=None, required=False, empty_label="No replacement")
    sunset_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    explanation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, model, user, **kwargs):
        from lifecycle.models import AIModel, DecommissionPlan

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = DecommissionPlan.Reason.choices
        self.fields["version"].queryset = model.versions.exclude(stage__in=["retired", "rejected"])
        self.fields["replacement"].queryset = AIModel.objects.restrict(user, "view").exclude(pk=model.pk)


class DecommissionChecklistForm(forms.Form):
    archive_location = forms.CharField(max_length=1000, required=False, label="Archive location")
    archive_checksum = forms.CharField(max_length=64, required=False, label="Archive SHA-256")
    predictions_location = forms.CharField(max_length=1000, required=False, label="Historical predictions at")
    resources_reclaimed = forms.BooleanField(required=False, label="Compute and storage reclaimed")
    monthly_cost_saved = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Monthly cost saved")
    documentation_updated = forms.BooleanField(required=False, label="Documentation updated")
    postmortem = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Post-mortem")
    lessons_learned = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Lessons learned")


def _registrable_use_cases(user):
    from portfolio.models import UseCase

    return UseCase.objects.restrict(user, "view").exclude(status__in=["rejected", "retired"]).order_by("number")


class MlflowRegistrationForm(forms.Form):
    use_case = forms.ModelChoiceField(queryset=None, help_text="The use case the model serves.")
    mlflow_name = forms.CharField(label="MLflow registered model", max_length=256)
    mlflow_version = forms.CharField(label="MLflow version", max_length=50, initial="1")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["use_case"].queryset = _registrable_use_cases(user)


class ProposalDecisionForm(forms.Form):
    use_case = forms.ModelChoiceField(queryset=None, required=False)
    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["use_case"].queryset = _registrable_use_cases(user)


class HandoverForm(forms.Form):
    owners = forms.ModelMultipleChoiceField(queryset=None, label="New owners")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        from lifecycle.services import HANDOVER_CHECKLIST

        super().__init__(*args, **kwargs)
        self.fields["owners"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")
        for key, text in HANDOVER_CHECKLIST.items():
            self.fields[key] = forms.BooleanField(required=False, label=text)

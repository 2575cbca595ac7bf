from django import forms

from lifecycle.choices import NEXT_STAGES, Stage


class VersionTransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move to", choices=Stage.choices)
    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [(s.value, s.label) for s in Stage if s.value in NEXT_STAGES[version.stage]]
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


class CatalogueImportForm(forms.Form):
    FORMATS = [("csv", "CSV (one dataset per row)"), ("openlineage", "OpenLineage events (JSON)")]
    format = forms.ChoiceField(choices=FORMATS)
    file = forms.FileField(help_text="At most 5,000 datasets, UTF-8.")

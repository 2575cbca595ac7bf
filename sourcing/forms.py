"""Sourcing forms: technology evaluations, sandbox trials, decisions and approved standards."""

from django import forms

from sourcing.choices import EvaluationDecision, StandardKind, TrialOutcome
from sourcing.models import TechnologyEvaluation

_DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class EvaluationForm(forms.ModelForm):
    """What is evaluated and its economics; the service validates, decides ownership and audits."""

    class Meta:
        model = TechnologyEvaluation
        fields = [
            "name",
            "category",
            "vendor",
            "summary",
            "build_or_buy",
            "licence_model",
            "one_off_cost",
            "annual_cost",
            "annual_benefit",
            "lock_in_risk",
            "lock_in_notes",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2}), "lock_in_notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "one_off_cost": "Licences bought outright, integration, migration.",
            "annual_cost": "Subscription, hosting and the people who run it, per year.",
            "annual_benefit": "Savings and value expected per year.",
        }


class TrialForm(forms.Form):
    start = forms.DateField(**_DATE)
    end = forms.DateField(**_DATE, help_text="After the start.")
    goals = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, help_text="What the trial must show to pass."
    )


class TrialCloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=TrialOutcome.choices, widget=forms.RadioSelect)
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=8000, required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=EvaluationDecision.choices, widget=forms.RadioSelect)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=8000, required=False)
    trial_waiver = forms.CharField(
        label="Why adopt without a passed trial",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        required=False,
        help_text="Only when adopting without a passed sandbox trial.",
    )


class StandardForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=StandardKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)
    link = forms.URLField(max_length=500, required=False, assume_scheme="https")
    review_date = forms.DateField(**_DATE, help_text="When the standard is next reviewed.")


class StandardEditForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)
    link = forms.URLField(max_length=500, required=False, assume_scheme="https")
    review_date = forms.DateField(**_DATE)


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False)

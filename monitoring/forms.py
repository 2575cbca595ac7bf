from django import forms

from monitoring.choices import RootCause


class AlertAcknowledgeForm(forms.Form):
    note = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AlertResolveForm(forms.Form):
    root_cause = forms.ChoiceField(choices=[("", "Choose the root cause"), *RootCause.choices])
    note = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), help_text="What was found and done."
    )

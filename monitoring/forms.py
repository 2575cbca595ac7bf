from django import forms

from monitoring.choices import RootCause


class AlertAcknowledgeForm(forms.Form):
    note = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AlertResolveForm(forms.Form):
    root_cause = forms.ChoiceField(choices=[("", "Choose the root cause"), *RootCause.choices])
    note = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), help_text="What was found and done."
    )


class RetrainingOpenForm(forms.Form):
    model = forms.ModelChoiceField(queryset=None, empty_label="Choose the model")
    notes = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Why retrain it.")

    def __init__(self, *args, models=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = models


class RetrainingStartForm(forms.Form):
    note = forms.CharField(max_length=4000, required=False)


class RetrainingLinkForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class RetrainingDeclineForm(forms.Form):
    reason = forms.CharField(max_length=4000)


class RetrainingScheduleForm(forms.Form):
    model = forms.ModelChoiceField(queryset=None, empty_label="Choose the model")
    every_days = forms.IntegerField(min_value=1, max_value=3650, label="Every (days)")
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, models=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = models

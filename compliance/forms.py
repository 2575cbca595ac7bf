"""Compliance forms: evidence, its review, framework import, external audits and their follow-ups."""

from django import forms

from compliance.choices import AuditSeverity, EvidenceKind, ExternalAuditStatus

_DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class EvidenceForm(forms.Form):
    """Evidence for one control of a use case, optionally bound to a version of its model."""

    control = forms.ModelChoiceField(queryset=None, to_field_name="code")
    version = forms.ModelChoiceField(queryset=None, required=False, help_text="Leave empty for the use case.")
    kind = forms.ChoiceField(choices=EvidenceKind.choices, widget=forms.RadioSelect, initial=EvidenceKind.FILE)
    file = forms.FileField(required=False, help_text="PDF, PNG, JPG, CSV, TXT, MD, JSON or XLSX; at most 10 MB.")
    url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)
    description = forms.CharField(required=False, max_length=300)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, controls, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["control"].queryset = controls
        self.fields["version"].queryset = versions


class EvidenceReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=2000)
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class FrameworkImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="YAML or JSON, at most 1 MB.")
    document = forms.CharField(required=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, widget=forms.HiddenInput)


class ExternalAuditForm(forms.Form):
    auditor = forms.CharField(label="Audit firm", max_length=200)
    lead_auditor = forms.CharField(max_length=200)
    scope = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)
    frameworks = forms.ModelMultipleChoiceField(queryset=None, required=False)
    use_cases = forms.ModelMultipleChoiceField(queryset=None, required=False, help_text="Use cases in scope.")
    start_date = forms.DateField(**_DATE)
    end_date = forms.DateField(**_DATE)
    report_link = forms.URLField(max_length=500, required=False, assume_scheme="https")

    def __init__(self, *args, frameworks, use_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frameworks"].queryset = frameworks
        self.fields["use_cases"].queryset = use_cases


class AuditTransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move to", choices=ExternalAuditStatus.choices)
    reason = forms.CharField(max_length=2000, required=False)


class AuditFindingForm(forms.Form):
    reference = forms.CharField(max_length=40, help_text="The auditors' reference, e.g. F-01.")
    severity = forms.ChoiceField(choices=AuditSeverity.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=8000)
    owner = forms.ModelChoiceField(queryset=None)
    due_date = forms.DateField(**_DATE)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people


class FollowUpForm(forms.Form):
    finding = forms.ModelChoiceField(queryset=None)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=8000)
    owner = forms.ModelChoiceField(queryset=None)
    due_date = forms.DateField(**_DATE)

    def __init__(self, *args, findings, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = findings
        self.fields["owner"].queryset = people


class FollowUpCompleteForm(forms.Form):
    follow_up = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    note = forms.CharField(label="What was done", max_length=4000, required=False)

    def __init__(self, *args, follow_ups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].queryset = follow_ups


class AcceptRiskForm(forms.Form):
    finding = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    reason = forms.CharField(label="Why the risk is accepted", max_length=4000, required=False)

    def __init__(self, *args, findings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = findings

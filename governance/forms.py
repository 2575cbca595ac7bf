from django import forms

from governance.cards import CARD_TEXT_FIELDS
from governance.choices import (
    ConcernKind,
    ConcernSeverity,
    Decision,
    PirOutcome,
    Severity,
    TestEvidenceKind,
    ValidationMethod,
)
from governance.models import FUNCTION_NAMES, ModelCard


def questionnaire_form(questionnaire, *, data=None, initial=None) -> forms.Form:
    """A form with one field per question of the questionnaire (the questions are data)."""
    fields = {}
    for q in questionnaire.questions:
        options = [(str(v), label) for v, label in q.get("options", [])]
        common = {"label": q["text"], "required": False}
        if q["kind"] == "text":
            fields[q["key"]] = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, **common)
        elif q["kind"] == "choice":
            fields[q["key"]] = forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        elif q["kind"] == "multi":
            fields[q["key"]] = forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple, **common)
        else:
            fields[q["key"]] = forms.TypedChoiceField(
                choices=[("yes", "Yes"), ("no", "No")],
                coerce=lambda v: v == "yes",
                widget=forms.RadioSelect,
                **common,
            )
    form_class = type("QuestionnaireForm", (forms.Form,), fields)
    if initial:
        initial = {k: ("yes" if v else "no") if isinstance(v, bool) else v for k, v in initial.items()}
    return form_class(data=data, initial=initial)


def answers_from(form: forms.Form) -> dict:
    """The answers given (an unanswered question is left out, so a draft can be saved part-way)."""
    return {key: value for key, value in form.cleaned_data.items() if value not in (None, "", [])}


class SignOffForm(forms.Form):
    function = forms.ChoiceField(label="Sign as")
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when you reject or ask for changes.",
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
        help_text="Your password, again: a signature needs it every time.",
    )
    # The review's ETag when the page was drawn: a signature on a review that changed since is refused.
    if_match = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, functions, by_provider: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = [(f, FUNCTION_NAMES[f]) for f in functions]
        if by_provider:  # an account of the identity provider signs by re-authenticating there
            del self.fields["password"]


class MoveForm(forms.Form):
    """The move a review page offers: to the next stage of the stage machine, with the reason kept in history."""

    to = forms.ChoiceField(
        label="Move to", choices=[("approved", "Approved"), ("staging", "Staging"), ("production", "Production")]
    )
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        help_text="Kept in the version's stage history, e.g. “Every required function approved.”",
    )


class FindingForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class ModelCardForm(forms.ModelForm):
    """The card's text; the service validates and audits (the form never saves)."""

    class Meta:
        model = ModelCard
        fields = list(CARD_TEXT_FIELDS)
        widgets = {
            field: forms.Textarea(attrs={"rows": 3}) for field in CARD_TEXT_FIELDS if field != "explainability_method"
        }
        help_texts = {
            "intended_use": "What the model is for, for whom, in which decisions.",
            "metrics_notes": "The metrics by slice: region, segment, age band… (the run's metrics are shown above).",
            "explainability_notes": "How explanations are produced and who sees them.",
            "human_oversight": "Who can override the model, and what runs when it is switched off.",
        }


class BiasUploadForm(forms.Form):
    file = forms.FileField(help_text="CSV with columns label, prediction (0 or 1) and the protected attributes.")
    reference_groups = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "age_band=18-39\nsex=M"}),
        max_length=2000,
        help_text="One line per protected attribute column: column=reference group.",
    )

    def clean_reference_groups(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["reference_groups"].splitlines() if line.strip()]


class ConcernForm(forms.Form):
    kind = forms.ChoiceField(choices=ConcernKind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=4000)
    anonymous = forms.BooleanField(
        required=False,
        label="Do not show my name to the owners",
        help_text="The triage team still sees who raised it.",
    )


class ConcernTriageForm(forms.Form):
    severity = forms.ChoiceField(choices=ConcernSeverity.choices)
    assignee = forms.ModelChoiceField(queryset=None, required=False)
    respond_by = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: critical 2 days, high 5, medium 10, low 20.",
    )
    note = forms.CharField(max_length=1000, required=False)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = team


class ConcernCloseForm(forms.Form):
    text = forms.CharField(
        label="Resolution or reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )


# --- Emergency releases -------------------------------------------------------------------------------------


def _text(label: str, help_text: str, *, rows: int = 2) -> forms.CharField:
    """A free-text reason or comment; optional here, because the service says what is missing, by field."""
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": rows}), max_length=4000, required=False, help_text=help_text
    )


def _signing_password(label: str, help_text: str) -> forms.CharField:
    """The password entered again for a decision that is a signature (checked by the service, never stripped)."""
    return forms.CharField(
        label=label,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
        strip=False,
        help_text=help_text,
    )


class EmergencyRequestForm(forms.Form):
    reason = _text(
        "Why this cannot wait for the full review",
        "Two holders of the emergency function read this before approving.",
        rows=4,
    )


class EmergencyDecisionForm(forms.Form):
    text = _text("Comment, or the reason for refusing or cancelling", "")
    password = _signing_password(
        "Your password (to approve, refuse or release)",
        "Your password, again: approving, refusing and releasing are signatures and need it every time.",
    )

    def __init__(self, *args, signer: bool = True, by_provider: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Cancelling is not signed (the requester only withdraws, with a reason); an account of the identity
        # provider signs by re-authenticating there.
        if not signer or by_provider:
            del self.fields["password"]


class PirCompleteForm(forms.Form):
    outcome = forms.ChoiceField(choices=PirOutcome.choices, widget=forms.RadioSelect, required=False)
    findings = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=8000, required=False)
    open_full_review = forms.BooleanField(
        label="Open a full review of the version (or link its open one)", required=False
    )


class TestEvidenceForm(forms.Form):
    """Submit one kind of test evidence for a version; results are typed one per line as `metric = value`."""

    __test__ = False

    kind = forms.ChoiceField(choices=TestEvidenceKind.choices)
    method = forms.ChoiceField(
        choices=[("", "—"), *ValidationMethod.choices],
        required=False,
        help_text="For a validation protocol: how the version was validated.",
    )
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000, help_text="What was tested, how, what came out."
    )
    results = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "auc = 0.91\nrecall = 0.83"}),
        required=False,
        help_text="One result per line, as metric = value (required for a validation protocol).",
    )
    link = forms.URLField(required=False, max_length=500, assume_scheme="https", help_text="Link to the report.")
    reference = forms.CharField(
        label="File reference",
        required=False,
        max_length=300,
        help_text="Or where the report file is kept (document id, path).",
    )

    def clean_results(self) -> dict:
        parsed = {}
        for number, line in enumerate(self.cleaned_data["results"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.replace(":", "=", 1).partition("=")
            try:
                parsed[name.strip()] = float(value.strip())
            except ValueError:
                raise forms.ValidationError(f"Line {number}: write metric = number.") from None
            if not sep or not name.strip():
                raise forms.ValidationError(f"Line {number}: write metric = number.")
        return parsed


class TestEvidenceReviewForm(forms.Form):
    __test__ = False

    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=2000, help_text="Required when you reject.")


# --- Platform administration: training records, review policies, freeze windows ------------------------


class PersonChoiceField(forms.ModelChoiceField):
    """People by their full name (and email, which tells two namesakes apart), never a bare username."""

    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name() or obj.get_username()
        return f"{name} · {obj.email}" if obj.email else name


class TrainingRecordForm(forms.Form):
    user = PersonChoiceField(
        queryset=None,
        label="Person",
        empty_label="Choose a person",
        help_text="The person who completed the course.",
    )
    course = forms.ChoiceField(label="Course", help_text="Signing a review needs current AI-literacy training.")
    completed_on = forms.DateField(
        label="Completed on", widget=forms.DateInput(attrs={"type": "date"}), help_text="The day on the certificate."
    )
    expires_on = forms.DateField(
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Usually a year after completion; the person and the admins are reminded 30 days before.",
    )

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        from governance.choices import Course

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        )
        self.fields["course"].choices = Course.choices


class TrainingImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file from the learning system",
        help_text="UTF-8 CSV with a header row; at most 2 MB. The columns are described above.",
    )

    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB: split it and import the parts.")
        data = upload.read()
        try:
            self.cleaned_data["text"] = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("This is not a UTF-8 CSV file: export it again as CSV (UTF-8).") from None
        return upload


def _thresholds_text(rows: list[dict]) -> str:
    return "\n".join(f"{r['metric']} {r['operator']} {r['value']:g}" for r in rows)


class ReviewPolicyForm(forms.Form):
    """The next version of a tier's policy, prefilled with the current one: policies are never edited in place."""

    required_functions = forms.MultipleChoiceField(
        label="Sign-off functions required",
        widget=forms.CheckboxSelectMultiple,
        help_text="Each function must approve, each signed by a different person. A tier never goes below its floor.",
    )
    metric_thresholds = forms.CharField(
        label="Metric thresholds",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: metric, operator (>=, >, <=, <) and value, e.g. “auc >= 0.75”. "
        "disparate_impact and equal_opportunity_difference are judged per group by the bias assessment.",
    )
    model_card_sections = forms.MultipleChoiceField(
        label="Model card sections required complete",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    required_test_evidence = forms.MultipleChoiceField(
        label="Test evidence required",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        choices=TestEvidenceKind.choices,
    )
    bias_assessment_required = forms.BooleanField(label="A passing bias assessment is required", required=False)
    promote_on_approval = forms.BooleanField(
        label="Move the version to approved on the last signature",
        required=False,
        help_text="Only when every gate of approved passes; otherwise a review board member moves it from the review.",
    )
    approval_validity_days = forms.IntegerField(
        label="Approval valid for (days)", min_value=1, help_text="After this, production needs a new review."
    )
    reassessment_cadence_days = forms.IntegerField(label="Reassess the use case every (days)", min_value=1)
    decommission_notice_days = forms.IntegerField(
        label="Decommission notice (days)", min_value=1, help_text="How long consumers are warned before a sunset."
    )
    reason = forms.CharField(
        label="Why the policy changes",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Kept with the new version. Open reviews of the tier move to it and their signatures are reset.",
    )

    def __init__(self, *args, **kwargs):
        from governance.cards import SECTIONS
        from governance.models import SIGN_OFF_FUNCTIONS

        super().__init__(*args, **kwargs)
        self.fields["required_functions"].choices = [(code, name) for code, name, _ in SIGN_OFF_FUNCTIONS]
        self.fields["model_card_sections"].choices = [(key, title) for key, title, _ in SECTIONS]

    @classmethod
    def initial_from(cls, policy) -> dict:
        if policy is None:
            return {}
        return {
            "required_functions": policy.required_functions,
            "metric_thresholds": _thresholds_text(policy.metric_thresholds),
            "model_card_sections": policy.model_card_sections,
            "required_test_evidence": policy.required_test_evidence,
            "bias_assessment_required": policy.bias_assessment_required,
            "promote_on_approval": policy.promote_on_approval,
            "approval_validity_days": policy.approval_validity_days,
            "reassessment_cadence_days": policy.reassessment_cadence_days,
            "decommission_notice_days": policy.decommission_notice_days,
        }

    def clean_metric_thresholds(self) -> list[dict]:
        from governance.choices import Operator

        rows, problems = [], []
        for number, line in enumerate(self.cleaned_data.get("metric_thresholds", "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            try:
                metric, op, value = parts
                value = float(value)
            except ValueError:
                problems.append(f"Line {number} “{line.strip()}”: write metric, operator and value, e.g. auc >= 0.75.")
                continue
            if op not in Operator.values:
                problems.append(f"Line {number}: operator “{op}” is not one of >=, >, <=, <.")
                continue
            rows.append({"metric": metric, "operator": op, "value": value})
        if problems:
            raise forms.ValidationError(problems)
        return rows


class FreezeWindowForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200, help_text="e.g. “Year-end close”.")
    start = forms.DateTimeField(
        label="Starts (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    end = forms.DateTimeField(
        label="Ends (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    environments = forms.MultipleChoiceField(
        label="Environments frozen",
        widget=forms.CheckboxSelectMultiple,
        choices=[("production", "Production"), ("staging", "Staging")],
        initial=["production"],
        help_text="Only production is gated today: a production release inside the window needs an emergency release.",
    )
    reason = forms.CharField(
        label="Why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Shown to anyone whose release the window stops.",
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "A freeze window must end after it starts.")
        return data


class FreezeEndForm(forms.Form):
    reason = forms.CharField(label="Why it ends early", max_length=2000, help_text="Kept in the audit trail.")


class FreezeExemptionRequestForm(forms.Form):
    reason = _text(
        "Why this release cannot wait for the end of the freeze",
        "A review board member other than you reads this before approving.",
        rows=4,
    )


class FreezeExemptionDecisionForm(forms.Form):
    text = _text("Comment, or the reason for refusing", "The requester reads it; a refusal needs one.")
    password = _signing_password(
        "Your password", "Your password, again: approving or refusing an exemption is a signature."
    )

    def __init__(self, *args, by_provider: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if by_provider:  # an account of the identity provider signs by re-authenticating there
            del self.fields["password"]

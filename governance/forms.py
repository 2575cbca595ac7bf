from django import forms

from governance.choices import Decision, Severity
from governance.models import FUNCTION_NAMES


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

    def __init__(self, *args, functions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = [(f, FUNCTION_NAMES[f]) for f in functions]


class FindingForm(forms.Form):
    severity = forms.ChoiceField(choices=Severity.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)

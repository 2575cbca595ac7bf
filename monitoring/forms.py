from django import forms

from monitoring.choices import RootCause

_RATINGS = ((1, "useless"), (2, "poor"), (3, "fair"), (4, "good"), (5, "spot on"))


class AlertAcknowledgeForm(forms.Form):
    note = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AlertResolveForm(forms.Form):
    root_cause = forms.ChoiceField(choices=[("", "Choose the root cause"), *RootCause.choices])
    note = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), help_text="What was found and done."
    )


class ProposalConfirmForm(forms.Form):
    note = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; it goes into the stage history with the alert.",
    )


class ProposalDismissForm(forms.Form):
    note = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Why the model is left as it is."
    )


class BudgetForm(forms.Form):
    """A monthly budget for a model, or for a whole business unit when no model is chosen."""

    model = forms.ModelChoiceField(queryset=None, required=False, empty_label="— the whole unit —")
    business_unit = forms.ModelChoiceField(
        queryset=None, required=False, help_text="For a unit budget; a model's budget counts in its own unit."
    )
    monthly_amount = forms.DecimalField(label="Monthly amount (USD)", min_value=0, max_digits=14, decimal_places=2)
    valid_from = forms.DateField(
        label="From month", input_formats=["%Y-%m", "%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "month"})
    )
    valid_to = forms.DateField(
        label="Until month (optional)",
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}),
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, user, **kwargs):
        from lifecycle.models import AIModel
        from portfolio.models import BusinessUnit

        super().__init__(*args, **kwargs)
        self.fields["model"].queryset = AIModel.objects.restrict(user, "view").order_by("name")
        self.fields["business_unit"].queryset = BusinessUnit.objects.order_by("code")

    def clean(self):
        data = super().clean()
        if data.get("model") is not None:
            data["business_unit"] = None
        elif data.get("business_unit") is None:
            raise forms.ValidationError("Choose a model, or a business unit for a budget of the whole unit.")
        return data


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


class FeedbackForm(forms.Form):
    prediction_id = forms.CharField(label="Prediction id", max_length=200)
    rating = forms.TypedChoiceField(
        coerce=int,
        choices=[("", "Rate the prediction"), *((n, f"{n} – {w}") for n, w in _RATINGS)],
        help_text="1 is useless, 5 spot on; 2 or less tells the model's owners.",
    )
    expected = forms.CharField(label="What was expected", max_length=500, required=False)
    comment = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(max_length=200)
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https", help_text="http:// or https:// only.")
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in ("alert.opened", "alert.resolved", "retraining.requested", "model.suspended")],
        widget=forms.CheckboxSelectMultiple,
    )
    secret = forms.CharField(
        max_length=200, help_text="Shared with the receiver: it checks X-Lodestar-Signature (HMAC-SHA256 of the body)."
    )
    active = forms.BooleanField(required=False, initial=True)


class ValueContractForm(forms.Form):
    """A use case's value contract: the formula, its constants one per line (`name = number`), the currency."""

    formula = forms.CharField(
        max_length=500,
        widget=forms.TextInput(
            attrs={"placeholder": "precision * alerts_per_day * saving_per_true_positive - cost_usd"}
        ),
        help_text="Catalogued metric names and your constants; + - * / ** ( ) and min, max, abs.",
    )
    constants = forms.CharField(
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "alerts_per_day = 40\nsaving_per_true_positive = 120"}),
        help_text="One per line: name = number.",
    )
    currency = forms.CharField(max_length=10, required=False, help_text="Empty: the portfolio's currency.")

    def clean_constants(self) -> dict:
        found = {}
        for number, line in enumerate(self.cleaned_data["constants"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, text = line.partition("=")
            if not sep:
                raise forms.ValidationError(f"Line {number}: write name = number.")
            try:
                found[name.strip()] = float(text.strip())
            except ValueError:
                raise forms.ValidationError(f"Line {number}: “{text.strip()[:40]}” is not a number.") from None
        return found

    @staticmethod
    def constants_text(constants: dict) -> str:
        return "\n".join(f"{name} = {value:g}" for name, value in sorted(constants.items()))


class TrendWindowForm(forms.Form):
    """The window of a version page's trend charts, in days."""

    window = forms.TypedChoiceField(
        choices=[(30, "30 days"), (90, "90 days"), (365, "365 days")], coerce=int, required=False
    )


class AlertRuleForm(forms.Form):
    """A rule on one metric for a model, a version, a risk tier or a business unit (one of them, by scope)."""

    name = forms.CharField(label="Name", max_length=200, help_text="What the rule watches, e.g. “PSI drift above 0.2”.")
    metric = forms.ModelChoiceField(
        queryset=None, label="Metric", empty_label="Choose a metric", help_text="A metric of the catalogue."
    )
    scope_kind = forms.ChoiceField(label="Watches", help_text="Then choose the model, version, tier or unit below.")
    model = forms.ModelChoiceField(queryset=None, required=False, label="Model", empty_label="Choose a model")
    model_version = forms.ModelChoiceField(
        queryset=None, required=False, label="Model version", empty_label="Choose a version"
    )
    risk_tier = forms.ChoiceField(required=False, label="Risk tier")
    business_unit = forms.ModelChoiceField(
        queryset=None, required=False, label="Business unit", empty_label="Choose a business unit"
    )
    condition = forms.ChoiceField(label="Condition")
    threshold = forms.FloatField(
        label="Threshold",
        help_text="Above/below: the value. Relative change: the fraction (0.2 = 20 %). Z-score: |z| at least.",
    )
    window = forms.IntegerField(
        label="Window (points)", min_value=1, initial=7, help_text="Baseline or trailing window; at least 2 points."
    )
    severity = forms.ChoiceField(label="Severity")
    action = forms.ChoiceField(label="Then")
    automatic_suspend = forms.BooleanField(
        required=False,
        label="Suspend at once, without waiting for a person",
        help_text="Only with the action “Suspend the model”: a circuit breaker, e.g. for data-quality failures.",
    )

    def __init__(self, *args, user, **kwargs):
        from lifecycle.models import AIModel, ModelVersion
        from monitoring.choices import Condition, RuleAction, ScopeKind, Severity
        from monitoring.models import MetricDefinition
        from portfolio.choices import RiskTier
        from portfolio.models import BusinessUnit

        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = MetricDefinition.objects.order_by("name")
        self.fields["model"].queryset = AIModel.objects.restrict(user, "view").order_by("name")
        self.fields["model_version"].queryset = (
            ModelVersion.objects.restrict(user, "view").select_related("model").order_by("model__name", "version")
        )
        self.fields["business_unit"].queryset = BusinessUnit.objects.order_by("name")
        self.fields["business_unit"].label_from_instance = lambda unit: unit.name
        self.fields["scope_kind"].choices = ScopeKind.choices
        self.fields["risk_tier"].choices = [("", "Choose a risk tier")] + [
            c for c in RiskTier.choices if c[0] != RiskTier.UNASSESSED
        ]
        self.fields["condition"].choices = Condition.choices
        self.fields["severity"].choices = Severity.choices
        self.fields["action"].choices = RuleAction.choices

    @classmethod
    def initial_from(cls, rule) -> dict:
        fields = ("name", "metric", "scope_kind", "model", "model_version", "risk_tier", "business_unit")
        fields += ("condition", "threshold", "window", "severity", "action", "automatic_suspend")
        return {f: getattr(rule, f) for f in fields}

    def service_fields(self) -> dict:
        """What the services take: the scope's target only, the others left empty."""
        data = dict(self.cleaned_data)
        scope = data.get("scope_kind")
        for kind, field in (("model", "model"), ("version", "model_version"), ("business_unit", "business_unit")):
            if scope != kind:
                data[field] = None
        data["risk_tier"] = (data.get("risk_tier") or "") if scope == "risk_tier" else ""
        return data


class RuleDisableForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=2000, help_text="Kept in the audit trail.")


class ExchangeRateForm(forms.Form):
    """A rate between two currencies from a day on; the service checks it and records who entered it."""

    base_currency = forms.CharField(
        label="From currency",
        max_length=3,
        initial="USD",
        help_text="ISO 4217 code of the amounts converted, e.g. USD.",
    )
    quote_currency = forms.CharField(
        label="To currency", max_length=3, help_text="ISO 4217 code they are converted into, e.g. EUR."
    )
    rate = forms.DecimalField(
        min_value=0, max_digits=18, decimal_places=8, help_text="How many of the “to” currency one “from” buys."
    )
    effective_on = forms.DateField(
        label="Effective from", widget=forms.DateInput(attrs={"type": "date"}), help_text="It holds until a later rate."
    )
    source = forms.CharField(
        max_length=200, required=False, help_text="Where the rate comes from, e.g. ECB reference rate."
    )

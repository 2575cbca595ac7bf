from django import forms

from core.forms import MoneyFieldsMixin
from lifecycle.choices import EMERGENCY_EDGES, NEXT_STAGES, Stage


class VersionTransitionForm(forms.Form):
    # The model page shows this select in a table row with no visible label: it names itself.
    to = forms.ChoiceField(label="Move to", choices=Stage.choices, widget=forms.Select(attrs={"aria-label": "Move to"}))
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


class DecommissionChecklistForm(MoneyFieldsMixin, forms.Form):
    usd_fields = ("monthly_cost_saved",)  # compute and storage, counted like the synced costs
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


# --- The data scientist's journey: data, deployment, consumers and people ------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    """People by their full name (the username only when no name is recorded)."""

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


def _people():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class VersionDataLinkForm(forms.Form):
    ROLES = [("training", "Training"), ("validation", "Evaluation (validation)"), ("reference", "Reference")]
    dataset = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose a dataset",
        help_text="Not in the catalogue? Register it below first.",
    )
    role = forms.ChoiceField(
        choices=ROLES, initial="training", help_text="Training data, or the held-out data it was evaluated on."
    )
    revision = forms.CharField(
        max_length=200,
        label="Data revision",
        help_text="The exact data the run used: the MLflow dataset digest, a DVC commit or a lakeFS commit/ref.",
    )
    content_hash = forms.CharField(
        max_length=128,
        required=False,
        label="Content hash",
        help_text="Optional: the SHA-256 (hexadecimal) of the data files, e.g. from `dvc status` or `sha256sum`.",
    )

    def __init__(self, *args, user, **kwargs):
        from lifecycle.models import Dataset

        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.restrict(user, "view").order_by("name")


class DatasetForm(forms.Form):
    """Register a dataset or edit its details; the service checks the privacy rules."""

    name = forms.CharField(max_length=300, help_text="As the data catalogue names it, e.g. retail.card_transactions.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    source_system = forms.CharField(
        max_length=200, required=False, label="Source system", help_text="e.g. Snowflake, S3, Kafka"
    )
    version_uri = forms.CharField(
        max_length=1000,
        required=False,
        label="Location (URI)",
        help_text="Where the data lives: s3://…, dvc://…, lakefs://repo/branch/path, or an MLflow dataset URI.",
    )
    steward = PersonChoiceField(
        queryset=None, required=False, empty_label="No owner named", label="Owner (data steward)"
    )
    business_unit = forms.ModelChoiceField(queryset=None, required=False, empty_label="No business unit")
    sensitivity = forms.ChoiceField(help_text="Restricted personal data also needs an independent privacy approval.")
    personal_data = forms.BooleanField(
        required=False, label="Holds personal data", help_text="Data about people who can be identified."
    )
    lawful_basis = forms.ChoiceField(required=False, label="Lawful basis", help_text="Required for personal data.")
    treatment = forms.ChoiceField(
        required=False, label="Privacy treatment", help_text="How the personal data was made fit for modelling."
    )
    retention_days = forms.IntegerField(
        required=False, min_value=1, label="Retention (days)", help_text="How long the data is kept."
    )
    update_frequency = forms.CharField(
        max_length=50, required=False, label="Update frequency", help_text="e.g. daily, hourly, on demand"
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        from lifecycle.models import Dataset
        from portfolio.models import BusinessUnit

        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["name"]  # the name is the catalogue's key: it does not change here
        self.fields["steward"].queryset = _people()
        self.fields["business_unit"].queryset = BusinessUnit.objects.order_by("name")
        self.fields["sensitivity"].choices = Dataset.Sensitivity.choices
        self.fields["lawful_basis"].choices = [("", "Not personal data"), *Dataset.LawfulBasis.choices]
        self.fields["treatment"].choices = [("", "Not personal data"), *Dataset.Treatment.choices]


class DeploymentForm(forms.Form):
    environment = forms.ChoiceField(initial="production")
    target_platform = forms.CharField(
        max_length=100, label="Target platform", help_text="e.g. Kubernetes (EKS), SageMaker, Vertex AI, Databricks"
    )
    regions = forms.CharField(
        max_length=500, help_text="Comma-separated, e.g. eu-west-1, eu-central-1", label="Regions"
    )
    strategy = forms.ChoiceField(label="Rollout strategy")
    traffic_percent = forms.IntegerField(
        required=False, min_value=1, max_value=99, label="Canary traffic (%)", help_text="For a canary only."
    )
    serving_type = forms.ChoiceField(label="Serving")
    replicas = forms.IntegerField(min_value=0, max_value=10000, required=False, help_text="Replicas at start.")
    min_replicas = forms.IntegerField(min_value=0, max_value=10000, required=False, label="Autoscaling minimum")
    max_replicas = forms.IntegerField(min_value=0, max_value=10000, required=False, label="Autoscaling maximum")
    endpoint = forms.CharField(max_length=500, required=False, help_text="e.g. https://api.bank.example/fraud/v2")
    gateway = forms.CharField(max_length=200, required=False, help_text="e.g. Kong, Apigee, AWS API Gateway")
    authentication = forms.CharField(
        max_length=200, required=False, help_text="e.g. mTLS between services, OAuth2 client credentials"
    )
    image_digest = forms.CharField(
        max_length=100,
        required=False,
        label="Container image digest",
        help_text="sha256:… of the image that will run; it must be the one the version was built as.",
    )
    inference_log_destination = forms.CharField(
        max_length=500,
        required=False,
        label="Inference logs go to",
        help_text="Where requests and predictions are logged, e.g. s3://inference-logs/fraud/",
    )
    inference_log_retention_days = forms.IntegerField(
        min_value=1, required=False, label="Inference logs kept (days)", help_text="Required when logs are kept."
    )

    def __init__(self, *args, **kwargs):
        from lifecycle.models import Deployment

        super().__init__(*args, **kwargs)
        self.fields["environment"].choices = Deployment.Environment.choices
        self.fields["strategy"].choices = Deployment.Strategy.choices
        self.fields["serving_type"].choices = Deployment.Serving.choices

    def clean_regions(self):
        return [r.strip() for r in self.cleaned_data["regions"].split(",") if r.strip()]


class ConsumerForm(forms.Form):
    system = forms.CharField(max_length=200, help_text="The system that calls the model, e.g. card-authorisation.")
    criticality = forms.ChoiceField(help_text="How badly the system suffers if the model changes or stops.")
    contact = PersonChoiceField(queryset=None, required=False, empty_label="No person in Lodestar")
    contact_email = forms.EmailField(required=False, label="Contact email", help_text="When no person is named.")

    def __init__(self, *args, **kwargs):
        from lifecycle.models import Criticality

        super().__init__(*args, **kwargs)
        self.fields["criticality"].choices = Criticality.choices
        self.fields["contact"].queryset = _people()


class RaciEntryForm(forms.Form):
    person = PersonChoiceField(queryset=None, empty_label="Choose a person")
    role = forms.ChoiceField(help_text="Naming a new accountable person replaces the previous one.")

    def __init__(self, *args, **kwargs):
        from portfolio.models import RaciRole

        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _people()
        self.fields["role"].choices = RaciRole.choices


class PrivacyTreatmentForm(forms.Form):
    """How restricted personal data was treated; recording it is the independent approval the review gate asks."""

    method = forms.ChoiceField(help_text="What was done to the personal data before modelling.")
    technique = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="The technique and its parameters, e.g. salted SHA-256 of customer ids; k-anonymity k=10.",
    )
    dp_epsilon = forms.FloatField(
        required=False,
        label="Epsilon (ε)",
        help_text="Differential privacy only (required then): the privacy budget, greater than 0.",
    )
    dp_delta = forms.FloatField(
        required=False, label="Delta (δ)", help_text="Differential privacy only, optional: from 0 up to below 1."
    )

    def __init__(self, *args, **kwargs):
        from lifecycle.models import PrivacyTreatment

        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [("", "Choose a method"), *PrivacyTreatment.Method.choices]


class SignatureBreakForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Why the break is accepted",
        help_text="What changes for callers and how they were told; the consumers and owners are notified.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000, help_text="Recorded in the audit trail.")

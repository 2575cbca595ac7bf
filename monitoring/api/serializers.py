from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from monitoring import selectors
from monitoring.choices import RootCause
from monitoring.models import (
    ActionProposal,
    Alert,
    AlertRule,
    Budget,
    Feedback,
    MetricPoint,
    MetricSeries,
    RetrainingRequest,
    SyncRun,
    ValueContract,
    ValueRealisation,
)
from monitoring.services import RULE_FIELDS


class MetricSeriesSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="metric.name", read_only=True)
    kind = serializers.CharField(source="metric.kind", read_only=True)
    unit = serializers.CharField(source="metric.unit", read_only=True)

    class Meta:
        model = MetricSeries
        fields = ["id", "model_version", "name", "kind", "unit", "run_id", "last_step", "last_timestamp", "synced_at"]


class MetricPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricPoint
        fields = ["step", "timestamp", "value"]


class AlertRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = [
            "id",
            *RULE_FIELDS,  # the fields the rule services take, named once
            "active",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {"active": {"required": False}, "automatic_suspend": {"required": False}}
        validators = []  # the service answers in words


class ActionProposalSerializer(serializers.ModelSerializer):
    """What the alert proposes to do to its model; decided through `alerts/{id}/proposal/confirm|dismiss`."""

    summary = serializers.CharField(read_only=True)

    class Meta:
        model = ActionProposal
        fields = [
            "id",
            "alert",
            "kind",
            "model",
            "version",
            "restore_version",
            "status",
            "automatic",
            "summary",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "result",
        ]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="series.metric.name", read_only=True)
    proposal = serializers.SerializerMethodField(help_text="What the alert proposes (rollback, suspension), if any.")

    @extend_schema_field(ActionProposalSerializer(allow_null=True))
    def get_proposal(self, alert) -> dict | None:
        proposal = getattr(alert, "action_proposal", None)
        return ActionProposalSerializer(proposal).data if proposal is not None else None

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "model_version",
            "series",
            "metric",
            "severity",
            "status",
            "message",
            "first_value",
            "last_value",
            "breaches",
            "first_breach_at",
            "last_breach_at",
            "assignee",
            "notes",
            "root_cause",
            "acknowledged_at",
            "resolved_at",
            "money_at_risk",
            "created_at",
            "proposal",
        ]


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ResolveSerializer(serializers.Serializer):
    root_cause = serializers.ChoiceField(choices=RootCause.choices)
    note = serializers.CharField(max_length=4000)


class ProposalConfirmSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ProposalDismissSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, help_text="Why the model is left as it is.")


class SyncRunSerializer(serializers.ModelSerializer):
    errors = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_errors(self, run) -> list[str]:
        # Built once per response: the errors of models the caller may not see are only counted.
        if "_sync_errors" not in self.context:
            self.context["_sync_errors"] = selectors.sync_errors_for(self.context["request"].user)
        return self.context["_sync_errors"](run.errors)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "started_at",
            "finished_at",
            "status",
            "trigger",
            "versions_total",
            "versions_done",
            "points_inserted",
            "points_skipped",
            "errors",
        ]


# --- Cost and budgets ----------------------------------------------------------------------------------


class CostBudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Budget
        fields = [
            "id",
            "model",
            "business_unit",
            "monthly_amount",
            "valid_from",
            "valid_to",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_by", "created_at"]
        extra_kwargs = {
            "model": {"required": False, "help_text": "The model; leave empty for a budget of the whole unit."},
            "business_unit": {"required": False, "help_text": "The unit, for a unit budget (a model's is its own)."},
            "valid_from": {"help_text": "The first month it applies to (any day of it)."},
        }
        validators = []  # the service answers in words


class CostQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="A business unit code.")
    months = serializers.IntegerField(required=False, min_value=1, max_value=36, default=12)
    ahead = serializers.IntegerField(required=False, min_value=1, max_value=12, default=6)


class CostMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    cost = serializers.FloatField(help_text="USD")
    partial = serializers.BooleanField(help_text="The current month, still running.")


class CostHistoryPointSerializer(serializers.Serializer):
    month = serializers.CharField()
    cost = serializers.FloatField()


class CostForecastPointSerializer(serializers.Serializer):
    month = serializers.CharField()
    cost = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()


class CostForecastSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="A unit code, or `total`.")
    unit_name = serializers.CharField()
    history = CostHistoryPointSerializer(many=True)
    forecast = CostForecastPointSerializer(many=True)
    slope = serializers.FloatField(allow_null=True, help_text="USD more (or less) each month.")
    message = serializers.CharField(help_text="Why there is no forecast, when there is none.")


class BudgetLineSerializer(serializers.Serializer):
    month = serializers.CharField()
    unit = serializers.CharField()
    budget = serializers.FloatField()


class OverBudgetSerializer(serializers.Serializer):
    model_id = serializers.IntegerField()
    model = serializers.CharField()
    unit = serializers.CharField()
    budget = serializers.FloatField()
    cost = serializers.FloatField(help_text="Spent so far this month.")
    projected = serializers.FloatField(help_text="This month's spend at its pace so far.")
    used = serializers.FloatField(allow_null=True, help_text="Share of the budget spent so far.")
    over = serializers.BooleanField(help_text="Spent more than the budget already.")


class CostReportSerializer(serializers.Serializer):
    unit = serializers.CharField(allow_null=True)
    method = serializers.CharField()
    history = CostMonthSerializer(many=True)
    forecast = CostForecastSerializer(many=True)
    budgets = BudgetLineSerializer(many=True)
    over_budget = OverBudgetSerializer(many=True)


class RetrainingRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetrainingRequest
        fields = [
            "id",
            "model",
            "trigger",
            "status",
            "alert",
            "answered_by",
            "requested_by",
            "notes",
            "decline_reason",
            "started_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = [f for f in fields if f not in ("model", "notes")]
        extra_kwargs = {"notes": {"required": True, "allow_blank": False}}


class RetrainingStartSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class RetrainingLinkSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class RetrainingDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class ComparisonQuerySerializer(serializers.Serializer):
    candidate = serializers.IntegerField(help_text="The version under test (canary, shadow, challenger).")
    incumbent = serializers.IntegerField(help_text="The version it is compared with, e.g. production.")
    metric = serializers.CharField(help_text="A catalogued metric name, e.g. auc or latency_p95_ms.")
    days = serializers.IntegerField(min_value=1, max_value=365, default=30, help_text="The window, in days.")


class ComparisonSerializer(serializers.Serializer):
    candidate = serializers.IntegerField()
    incumbent = serializers.IntegerField()
    metric = serializers.CharField()
    days = serializers.IntegerField()
    test = serializers.CharField(
        help_text="Which test: a two-proportion z-test for a proportion with request counts, else Welch's t-test."
    )
    candidate_points = serializers.IntegerField()
    incumbent_points = serializers.IntegerField()
    candidate_mean = serializers.FloatField(allow_null=True)
    incumbent_mean = serializers.FloatField(allow_null=True)
    t_statistic = serializers.FloatField(allow_null=True, help_text="Welch's t-test only.")
    z_statistic = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test only.")
    candidate_rate = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test: successes / requests.")
    incumbent_rate = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test: successes / requests.")
    candidate_requests = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test: the trials.")
    incumbent_requests = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test: the trials.")
    p_value = serializers.FloatField(allow_null=True)
    candidate_better = serializers.BooleanField(allow_null=True)
    verdict = serializers.CharField()


class PredictionFeedbackSerializer(serializers.ModelSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)

    class Meta:
        model = Feedback
        fields = ["id", "model_version", "prediction_id", "expected", "comment", "rating", "given_by", "created_at"]
        read_only_fields = ["given_by", "created_at"]
        extra_kwargs = {"expected": {"required": False}, "comment": {"required": False}}


class OutcomeItemSerializer(serializers.Serializer):
    """Documents one item; the service validates each (so a 400 names the bad item's index)."""

    prediction_id = serializers.CharField(max_length=200)
    predicted = serializers.CharField(max_length=200, help_text='The label predicted, as a string ("1", "fraud")')
    actual = serializers.CharField(max_length=200, help_text="The label that turned out true")
    at = serializers.DateTimeField(help_text="When the prediction was made (ISO, with a zone)")


class OutcomeBatchSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    items = serializers.ListField(child=serializers.DictField(), help_text="Outcome items, at most 10,000")


class OutcomeBatchDocSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    items = OutcomeItemSerializer(many=True)


class OutcomeBatchResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    inserted = serializers.IntegerField()
    days = serializers.IntegerField(help_text="Days whose outcome accuracy was recomputed")


# --- Value contracts ----------------------------------------------------------------------------------


class ValueContractSerializer(serializers.ModelSerializer):
    constants = serializers.DictField(child=serializers.FloatField(), read_only=True)
    metrics = serializers.SerializerMethodField()

    class Meta:
        model = ValueContract
        fields = ["use_case", "formula", "constants", "currency", "metrics", "created_by", "created_at", "updated_at"]
        read_only_fields = fields

    def get_metrics(self, contract) -> list[str]:
        """The catalogued metrics the formula reads."""
        from monitoring.value import contract_metrics

        return contract_metrics(contract)


class ValueContractInputSerializer(serializers.Serializer):
    formula = serializers.CharField(max_length=500)
    constants = serializers.DictField(child=serializers.FloatField(), required=False, default=dict)
    currency = serializers.CharField(
        max_length=10, required=False, allow_blank=True, default="", help_text="Empty: the portfolio's currency."
    )


class ValueRealisationSerializer(serializers.ModelSerializer):
    inputs = serializers.DictField(child=serializers.FloatField(), read_only=True)

    class Meta:
        model = ValueRealisation
        fields = ["day", "value", "inputs", "computed_at"]
        read_only_fields = fields

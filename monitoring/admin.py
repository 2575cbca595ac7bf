"""Admin: the metric catalogue is edited here (through an audited save); rules, alerts, series, sync runs, budgets,
health, retraining and value contracts are read-only and scoped to what the reader may see (rules, budgets and
contracts are set, alerts and retraining requests acted on through services, which check scope and audit)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceAdmin
from core.reference import reference_save
from monitoring.models import (
    ActionProposal,
    Alert,
    AlertRule,
    Budget,
    Feedback,
    HealthCheck,
    MetricDefinition,
    MetricSeries,
    Outcome,
    RetrainingRequest,
    RetrainingSchedule,
    SyncRun,
    ValueContract,
    ValueRealisation,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(MetricDefinition)
class MetricDefinitionAdmin(ServiceAdmin):
    list_display = ["name", "kind", "unit", "higher_is_better", "aggregation"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        self._call(request, reference_save, record=obj, fields=form.changed_data if change else form.fields)

    def has_delete_permission(self, request, obj=None):
        return False  # series point at definitions; retire a metric by leaving it unused


@admin.register(AlertRule)
class AlertRuleAdmin(ReadOnlyAdmin):
    list_display = ["name", "metric", "scope_kind", "condition", "threshold", "severity", "action", "active"]
    list_filter = ["severity", "action", "condition"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["pk", "rule", "model_version", "severity", "status", "breaches", "money_at_risk", "created_at"]
    list_filter = ["status", "severity"]
    list_select_related = ["rule", "model_version__model"]


@admin.register(MetricSeries)
class MetricSeriesAdmin(ReadOnlyAdmin):
    list_display = ["pk", "model_version", "metric", "run_id", "last_step", "last_timestamp", "synced_at"]
    list_select_related = ["model_version__model", "metric"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "started_at", "finished_at", "status", "trigger", "versions_done", "points_inserted"]
    list_filter = ["status"]


@admin.register(Budget)
class BudgetAdmin(ReadOnlyAdmin):
    list_display = ["pk", "business_unit", "model", "monthly_amount", "valid_from", "valid_to", "created_by"]
    list_filter = ["business_unit"]
    list_select_related = ["business_unit", "model", "created_by"]


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyAdmin):
    list_display = ["model_version", "status", "score", "checked_at", "status_since"]
    list_filter = ["status"]
    list_select_related = ["model_version__model"]


@admin.register(RetrainingRequest)
class RetrainingRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "model", "trigger", "status", "alert", "answered_by", "created_at"]
    list_filter = ["status", "trigger"]
    list_select_related = ["model", "answered_by__model", "alert__rule", "alert__model_version__model"]


@admin.register(RetrainingSchedule)
class RetrainingScheduleAdmin(ReadOnlyAdmin):
    list_display = ["model", "every_days", "next_due", "active"]
    list_select_related = ["model"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["pk", "model_version", "prediction_id", "rating", "given_by", "created_at"]
    list_filter = ["rating"]
    list_select_related = ["model_version__model", "given_by"]


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "model_version", "prediction_id", "predicted", "actual", "at"]
    list_filter = []
    list_select_related = ["model_version__model"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["name", "url", "active", "created_at"]
    list_filter = ["active"]
    list_select_related = []
    exclude = ["secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "endpoint", "event", "attempts", "last_status", "delivered_at", "created_at"]
    list_filter = ["event"]
    list_select_related = ["endpoint"]


@admin.register(ActionProposal)
class ActionProposalAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "model", "version", "status", "automatic", "decided_by", "proposed_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["model", "version__model", "decided_by"]


@admin.register(ValueContract)
class ValueContractAdmin(ReadOnlyAdmin):
    list_display = ["use_case", "formula", "currency", "created_by", "updated_at"]
    list_filter = []
    list_select_related = ["use_case", "created_by"]


@admin.register(ValueRealisation)
class ValueRealisationAdmin(ReadOnlyAdmin):
    list_display = ["use_case", "day", "value", "computed_at"]
    list_filter = []
    list_select_related = ["use_case"]

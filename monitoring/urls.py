from django.urls import path

from monitoring import views, views_rules

app_name = "monitoring"
urlpatterns = [
    path("sync-runs/", views.SyncRunListView.as_view(), name="sync_run_list"),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    path("alert-rules/", views_rules.AlertRuleListView.as_view(), name="alert_rule_list"),
    path("alert-rules/new/", views_rules.AlertRuleCreateView.as_view(), name="alert_rule_create"),
    path("alert-rules/<int:pk>/edit/", views_rules.AlertRuleEditView.as_view(), name="alert_rule_edit"),
    path("alert-rules/<int:pk>/active/", views_rules.AlertRuleActiveView.as_view(), name="alert_rule_active"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(), name="alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", views.AlertResolveView.as_view(), name="alert_resolve"),
    path("alerts/<int:pk>/proposal/confirm/", views.ProposalConfirmView.as_view(), name="proposal_confirm"),
    path("alerts/<int:pk>/proposal/dismiss/", views.ProposalDismissView.as_view(), name="proposal_dismiss"),
    path("versions/<int:pk>/metrics/", views.VersionMetricsView.as_view(), name="version_metrics"),
    path("versions/<int:pk>/feedback/", views.FeedbackGiveView.as_view(), name="feedback_give"),
    path("versions/<int:pk>/compare/", views.CompareView.as_view(), name="compare"),
    path("cost/", views.CostView.as_view(), name="cost"),
    path("cost/budgets/", views.BudgetSetView.as_view(), name="budget_set"),
    path("cost/unit-economics.csv", views.UnitEconomicsCsvView.as_view(), name="unit_economics_csv"),
    path("use-cases/<int:pk>/value-contract/", views.ValueContractSetView.as_view(), name="value_contract_set"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path("exchange-rates/", views.ExchangeRateListView.as_view(), name="exchange_rates"),
    path("health/", views.HealthListView.as_view(), name="health_list"),
    path("retraining/", views.RetrainingListView.as_view(), name="retraining_list"),
    path("retraining/open/", views.RetrainingOpenView.as_view(), name="retraining_open"),
    path("retraining/schedule/", views.RetrainingScheduleView.as_view(), name="retraining_schedule"),
    path("retraining/<int:pk>/start/", views.RetrainingStartView.as_view(), name="retraining_start"),
    path("retraining/<int:pk>/link/", views.RetrainingLinkView.as_view(), name="retraining_link"),
    path("retraining/<int:pk>/decline/", views.RetrainingDeclineView.as_view(), name="retraining_decline"),
]

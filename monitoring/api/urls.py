from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from monitoring.api import views

router = SimpleRouter()
router.register("metrics", views.MetricSeriesViewSet, basename="metric")
router.register("alert-rules", views.AlertRuleViewSet, basename="alert-rule")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("sync-runs", views.SyncRunViewSet, basename="sync-run")
router.register("budgets", views.BudgetViewSet, basename="budget")
router.register("feedback", views.FeedbackViewSet, basename="feedback")
router.register("retraining-requests", views.RetrainingRequestViewSet, basename="retraining-request")
urlpatterns = [
    *router.urls,
    path("costs/", views.CostReportView.as_view(), name="costs"),
    path("comparisons/", views.ComparisonView.as_view(), name="comparisons"),
    path("outcomes/", views.OutcomeBatchView.as_view(), name="outcomes"),
    # Beside portfolio's use-cases router (portfolio cannot import monitoring), in the router's own route shape.
    re_path(r"^use-cases/(?P<pk>[0-9]+)/value-contract/$", views.ValueContractView.as_view(), name="value-contract"),
    re_path(
        r"^use-cases/(?P<pk>[0-9]+)/realised-values/$", views.RealisedValueListView.as_view(), name="realised-values"
    ),
]

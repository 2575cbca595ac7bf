from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("sync-runs/", views.SyncRunListView.as_view(), name="sync_run_list"),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views.AlertAcknowledgeView.as_view(), name="alert_acknowledge"),
    path("alerts/<int:pk>/resolve/", views.AlertResolveView.as_view(), name="alert_resolve"),
    path("versions/<int:pk>/metrics/", views.VersionMetricsView.as_view(), name="version_metrics"),
    path("versions/<int:pk>/compare/", views.CompareView.as_view(), name="compare"),
    path("cost/", views.CostView.as_view(), name="cost"),
    path("cost/budgets/", views.BudgetSetView.as_view(), name="budget_set"),
]

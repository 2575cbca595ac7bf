from django.contrib import admin
from django.urls import include, path

from core import views as core_views
from dashboards.search import SearchView

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("search/", SearchView.as_view(), name="search"),
    path("accounts/", include("core.urls")),
    path("accounts/sso/", include("identity.urls")),
    path("api/", include("config.api")),
    path("audit/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("portfolio/", include("portfolio.urls")),
    path("lifecycle/", include("lifecycle.urls")),
    path("governance/", include("governance.urls")),
    # Compliance and sourcing pages kept the addresses they had under governance.
    path("governance/", include("compliance.urls")),
    path("governance/", include("sourcing.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("admin/", admin.site.urls),
]

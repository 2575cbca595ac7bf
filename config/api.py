"""The REST API under /api/v1/: each app contributes its router; the schema and docs sit beside it."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api.views import ApiTokenViewSet, ObtainTokenView

v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="auth-token"),
    path("auth/tokens/", ApiTokenViewSet.as_view({"get": "list"}), name="auth-token-list"),
    # As the routers write it, so the schema and the hostile tests read the same {id}.
    re_path(r"^auth/tokens/(?P<pk>[^/.]+)/$", ApiTokenViewSet.as_view({"delete": "destroy"}), name="auth-token-detail"),
    path("", include("portfolio.api.urls")),
    path("", include("lifecycle.api.urls")),
    path("", include("governance.api.urls")),
    path("", include("compliance.api.urls")),
    path("", include("sourcing.api.urls")),
    path("", include("monitoring.api.urls")),
    path("", include("audit.api.urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

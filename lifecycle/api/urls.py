from django.urls import path
from rest_framework.routers import SimpleRouter

from lifecycle.api import views

router = SimpleRouter()
router.register("models", views.AIModelViewSet, basename="model")
router.register("model-versions", views.ModelVersionViewSet, basename="model-version")
router.register("deployments", views.DeploymentViewSet, basename="deployment")
router.register("decommissions", views.DecommissionViewSet, basename="decommission")
router.register("datasets", views.DatasetViewSet, basename="dataset")
router.register("freeze-windows", views.FreezeWindowViewSet, basename="freeze-window")
urlpatterns = [*router.urls, path("hooks/mlflow/", views.MlflowWebhookView.as_view(), name="mlflow-webhook")]

from rest_framework.routers import SimpleRouter

from lifecycle.api import views

router = SimpleRouter()
router.register("models", views.AIModelViewSet, basename="model")
router.register("model-versions", views.ModelVersionViewSet, basename="model-version")
urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from portfolio.api import views

router = SimpleRouter()
router.register("business-units", views.BusinessUnitViewSet, basename="business-unit")
router.register("use-cases", views.UseCaseViewSet, basename="use-case")
urlpatterns = router.urls

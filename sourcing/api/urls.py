from rest_framework.routers import SimpleRouter

from sourcing.api import views

router = SimpleRouter()
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("technology-evaluations", views.TechnologyEvaluationViewSet, basename="technology-evaluation")
router.register("sandbox-trials", views.SandboxTrialViewSet, basename="sandbox-trial")
router.register("approved-standards", views.ApprovedStandardViewSet, basename="approved-standard")
urlpatterns = router.urls

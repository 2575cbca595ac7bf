from django.urls import path
from rest_framework.routers import SimpleRouter

from governance.api import views

router = SimpleRouter()
router.register("risk-assessments", views.RiskAssessmentViewSet, basename="risk-assessment")
router.register("review-policies", views.ReviewPolicyViewSet, basename="review-policy")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("controls", views.ControlViewSet, basename="control")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
urlpatterns = [
    path("use-cases/<int:pk>/coverage/", views.UseCaseCoverageView.as_view(), name="use-case-coverage"),
    *router.urls,
]

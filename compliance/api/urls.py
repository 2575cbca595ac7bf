from rest_framework.routers import SimpleRouter

from compliance.api import views

router = SimpleRouter()
router.register("external-audits", views.ExternalAuditViewSet, basename="external-audit")
router.register("audit-findings", views.AuditFindingViewSet, basename="audit-finding")
router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("controls", views.ControlViewSet, basename="control")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("use-cases", views.UseCaseCoverageViewSet, basename="use-case-coverage")
urlpatterns = router.urls

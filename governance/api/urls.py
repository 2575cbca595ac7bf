from rest_framework.routers import SimpleRouter

from governance.api import views

router = SimpleRouter()
router.register("risk-assessments", views.RiskAssessmentViewSet, basename="risk-assessment")
router.register("review-policies", views.ReviewPolicyViewSet, basename="review-policy")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("training-records", views.TrainingRecordViewSet, basename="training-record")
router.register("concerns", views.ConcernViewSet, basename="concern")
router.register("emergency-releases", views.EmergencyReleaseViewSet, basename="emergency-release")
router.register("freeze-exemptions", views.FreezeExemptionViewSet, basename="freeze-exemption")
router.register(
    "post-implementation-reviews", views.PostImplementationReviewViewSet, basename="post-implementation-review"
)
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("technology-evaluations", views.TechnologyEvaluationViewSet, basename="technology-evaluation")
router.register("sandbox-trials", views.SandboxTrialViewSet, basename="sandbox-trial")
router.register("approved-standards", views.ApprovedStandardViewSet, basename="approved-standard")
router.register("external-audits", views.ExternalAuditViewSet, basename="external-audit")
router.register("audit-findings", views.AuditFindingViewSet, basename="audit-finding")
router.register("follow-ups", views.FollowUpViewSet, basename="follow-up")
router.register("findings", views.FindingViewSet, basename="finding")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("controls", views.ControlViewSet, basename="control")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("test-evidence", views.TestEvidenceViewSet, basename="test-evidence")
router.register("use-cases", views.UseCaseCoverageViewSet, basename="use-case-coverage")
router.register("bias-assessments", views.BiasAssessmentViewSet, basename="bias-assessment")
router.register("governance/versions", views.GovernanceVersionViewSet, basename="governance-version")
urlpatterns = router.urls

from rest_framework.routers import SimpleRouter

from portfolio.api import views

router = SimpleRouter()
router.register("business-units", views.BusinessUnitViewSet, basename="business-unit")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("kpis", views.KPIViewSet, basename="kpi")
router.register("capabilities", views.CapabilityViewSet, basename="capability")
router.register("use-cases", views.UseCaseViewSet, basename="use-case")
router.register("scoring-criteria", views.ScoringCriterionViewSet, basename="scoring-criterion")
router.register("ranking", views.RankingViewSet, basename="ranking")
router.register("teams", views.TeamViewSet, basename="team")
router.register("waves", views.WaveViewSet, basename="wave")
router.register("roadmap-items", views.RoadmapItemViewSet, basename="roadmap-item")
router.register("recommended-plan", views.RecommendationViewSet, basename="recommended-plan")
router.register("dependencies", views.DependencyViewSet, basename="dependency")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("assumptions", views.AssumptionViewSet, basename="assumption")
router.register("skills", views.SkillViewSet, basename="skill")
router.register("person-skills", views.PersonSkillViewSet, basename="person-skill")
router.register("portfolio-reviews", views.PortfolioReviewViewSet, basename="portfolio-review")
urlpatterns = router.urls

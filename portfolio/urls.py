from django.urls import path

from portfolio import views

app_name = "portfolio"
urlpatterns = [
    path("use-cases/", views.UseCaseListView.as_view(), name="usecase_list"),
    path("use-cases/new/", views.UseCaseCreateView.as_view(), name="usecase_create"),
    path("use-cases/import/", views.UseCaseImportView.as_view(), name="usecase_import"),
    path("use-cases/<int:pk>/", views.UseCaseDetailView.as_view(), name="usecase_detail"),
    path("use-cases/<int:pk>/edit/", views.UseCaseUpdateView.as_view(), name="usecase_update"),
    path("use-cases/<int:pk>/transition/", views.UseCaseTransitionView.as_view(), name="usecase_transition"),
    path("use-cases/<int:pk>/scores/", views.UseCaseScoreView.as_view(), name="usecase_score"),
    path("use-cases/<int:pk>/objectives/", views.UseCaseObjectiveLinkView.as_view(), name="usecase_link"),
    path(
        "use-cases/<int:pk>/objectives/<int:link_pk>/remove/",
        views.UseCaseObjectiveUnlinkView.as_view(),
        name="usecase_unlink",
    ),
    path("use-cases/<int:pk>/raci/", views.UseCaseRaciView.as_view(), name="usecase_raci"),
    path("use-cases/<int:pk>/readiness/", views.UseCaseReadinessView.as_view(), name="usecase_readiness"),
    path("use-cases/<int:pk>/change-actions/", views.UseCaseChangeActionView.as_view(), name="usecase_change"),
    path("use-cases/<int:pk>/stop-loss/", views.UseCaseStopLossView.as_view(), name="usecase_stop_loss"),
    path("use-cases/<int:pk>/benefits/", views.UseCaseBenefitReviewView.as_view(), name="usecase_benefit"),
    path("use-cases/<int:pk>/skills/", views.UseCaseSkillNeedView.as_view(), name="usecase_skill"),
    path("use-cases/<int:pk>/dependencies/", views.UseCaseDependencyView.as_view(), name="usecase_dependency"),
    path("use-cases/<int:pk>/unplan/", views.UseCaseUnplanView.as_view(), name="usecase_unplan"),
    path("benefits/", views.BenefitsView.as_view(), name="benefits"),
    path("skills/", views.SkillsView.as_view(), name="skills"),
    path("assumptions/", views.AssumptionListView.as_view(), name="assumption_list"),
    path("reviews/", views.ReviewListView.as_view(), name="review_list"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("ranking/", views.RankingView.as_view(), name="ranking"),
    path("roadmap/", views.RoadmapView.as_view(), name="roadmap"),
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("waves/", views.WaveListView.as_view(), name="wave_list"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement_list"),
    path("roadmap/recommendation/apply/", views.RecommendationApplyView.as_view(), name="recommendation_apply"),
    path("objectives/", views.ObjectiveListView.as_view(), name="objective_list"),
    path("objectives/new/", views.ObjectiveCreateView.as_view(), name="objective_create"),
    path("objectives/<int:pk>/kpis/new/", views.KPICreateView.as_view(), name="kpi_create"),
    path("kpis/<int:pk>/", views.KPIDetailView.as_view(), name="kpi_detail"),
]

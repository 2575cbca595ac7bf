from django.urls import path

from dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("executive/", views.ExecutiveDashboard.as_view(), name="executive"),
    path("executive/print/", views.ExecutivePrint.as_view(), name="executive_print"),
    path("program/", views.ProgramDashboard.as_view(), name="program"),
    path("review-board/", views.ReviewBoardDashboard.as_view(), name="review_board"),
    path("data-science/", views.DataScienceDashboard.as_view(), name="data_science"),
    path("administration/", views.AdministrationDashboard.as_view(), name="administration"),
]

from django.urls import path

from portfolio import views

app_name = "portfolio"
urlpatterns = [
    path("use-cases/", views.UseCaseListView.as_view(), name="usecase_list"),
    path("use-cases/new/", views.UseCaseCreateView.as_view(), name="usecase_create"),
    path("use-cases/<int:pk>/", views.UseCaseDetailView.as_view(), name="usecase_detail"),
]

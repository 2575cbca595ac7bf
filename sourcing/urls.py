from django.urls import path

from sourcing import views

app_name = "sourcing"
urlpatterns = [
    path("vendors/", views.VendorListView.as_view(), name="vendor_list"),
    path("vendors/<int:pk>/", views.VendorDetailView.as_view(), name="vendor_detail"),
    path("evaluations/", views.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path("standards/", views.StandardListView.as_view(), name="standard_list"),
    path("standards/<int:pk>/", views.StandardDetailView.as_view(), name="standard_detail"),
]

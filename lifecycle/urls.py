from django.urls import path

from lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("models/", views.ModelListView.as_view(), name="model_list"),
    path("models/<int:pk>/", views.ModelDetailView.as_view(), name="model_detail"),
    path("versions/<int:pk>/transition/", views.VersionTransitionView.as_view(), name="version_transition"),
]

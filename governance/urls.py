from django.urls import path

from governance import views

app_name = "governance"
urlpatterns = [
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
]

from django.urls import path

from governance import views

app_name = "governance"
urlpatterns = [
    path("reviews/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("use-cases/<int:pk>/assessment/", views.AssessmentView.as_view(), name="assessment"),
]

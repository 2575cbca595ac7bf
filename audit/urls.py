from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.AuditEventListView.as_view(), name="event_list"),
    path("retention/", views.RetentionView.as_view(), name="retention"),
    path("verify/", views.AuditVerifyView.as_view(), name="verify"),
]

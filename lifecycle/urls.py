from django.urls import path

from lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("models/", views.ModelListView.as_view(), name="model_list"),
    path("models/<int:pk>/", views.ModelDetailView.as_view(), name="model_detail"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("calendar/rotate/", views.CalendarFeedRotateView.as_view(), name="calendar_feed_rotate"),
    path("calendar/<str:token>/lodestar.ics", views.calendar_feed, name="calendar_feed"),
    path("register/", views.MlflowRegistrationView.as_view(), name="register"),
    path("proposals/", views.ProposalListView.as_view(), name="proposal_list"),
    path("proposals/<int:pk>/decide/", views.ProposalDecisionView.as_view(), name="proposal_decide"),
    path("models/<int:pk>/handover/", views.HandoverView.as_view(), name="handover"),
    path("models/<int:pk>/decommission/", views.DecommissionCreateView.as_view(), name="decommission_create"),
    path("decommissions/", views.DecommissionListView.as_view(), name="decommission_list"),
    path("decommissions/<int:pk>/", views.DecommissionDetailView.as_view(), name="decommission_detail"),
    path("lessons/", views.LessonsLearnedView.as_view(), name="lessons"),
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("datasets/", views.DatasetListView.as_view(), name="dataset_list"),
    path("datasets/import/", views.CatalogueImportView.as_view(), name="dataset_import"),
    path("datasets/<int:pk>/", views.DatasetDetailView.as_view(), name="dataset_detail"),
    path("versions/", views.VersionListView.as_view(), name="version_list"),
    path("versions/<int:pk>/transition/", views.VersionTransitionView.as_view(), name="version_transition"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version_detail"),
    path("versions/<int:pk>/data/", views.VersionDataView.as_view(), name="version_data"),
    path("versions/<int:pk>/deployment/", views.DeploymentRecordView.as_view(), name="deployment_record"),
    path("datasets/<int:pk>/edit/", views.DatasetEditView.as_view(), name="dataset_edit"),
    path("models/<int:pk>/people/", views.ModelPeopleView.as_view(), name="model_people"),
]

from django.urls import path

from compliance import views

app_name = "compliance"
urlpatterns = [
    path("use-cases/<int:pk>/compliance/", views.UseCaseCoverageView.as_view(), name="use_case_coverage"),
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("compliance/frameworks/<int:pk>/", views.FrameworkDetailView.as_view(), name="framework_detail"),
    path("compliance/import/", views.FrameworkImportView.as_view(), name="framework_import"),
    path("compliance/evidence/", views.EvidenceListView.as_view(), name="evidence_list"),
    path("compliance/evidence/<int:pk>/review/", views.EvidenceReviewView.as_view(), name="evidence_review"),
    path("compliance/evidence/<int:pk>/file/", views.EvidenceFileView.as_view(), name="evidence_file"),
    path("audits/", views.ExternalAuditListView.as_view(), name="external_audit_list"),
    path("audits/<int:pk>/", views.ExternalAuditDetailView.as_view(), name="external_audit_detail"),
]

from django.urls import path

from governance import views, views_admin, views_freeze

app_name = "governance"
urlpatterns = [
    path("reviews/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("reviews/all/", views.ReviewListView.as_view(), name="review_list"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("use-cases/<int:pk>/assessment/", views.AssessmentView.as_view(), name="assessment"),
    path("versions/<int:pk>/card/", views.ModelCardView.as_view(), name="model_card"),
    path("versions/<int:pk>/card/edit/", views.ModelCardEditView.as_view(), name="model_card_edit"),
    path("versions/<int:pk>/card/print/", views.ModelCardPrintView.as_view(), name="model_card_print"),
    path("versions/<int:pk>/card/model-card.md", views.ModelCardMarkdownView.as_view(), name="model_card_markdown"),
    path("versions/<int:pk>/evidence-pack/", views.EvidencePackPrintView.as_view(), name="evidence_pack"),
    path("versions/<int:pk>/evidence-pack.zip", views.EvidencePackDownloadView.as_view(), name="evidence_pack_zip"),
    path("versions/<int:pk>/bias-assessments/", views.BiasAssessmentsView.as_view(), name="bias_assessments"),
    path("versions/<int:pk>/test-evidence/", views.TestEvidenceView.as_view(), name="test_evidence"),
    path("test-evidence/<int:pk>/review/", views.TestEvidenceReviewView.as_view(), name="test_evidence_review"),
    path("bias-assessments/<int:pk>/", views.BiasAssessmentDetailView.as_view(), name="bias_assessment_detail"),
    path("concerns/", views.ConcernListView.as_view(), name="concern_list"),
    path("concerns/<int:pk>/", views.ConcernDetailView.as_view(), name="concern_detail"),
    path(
        "use-cases/<int:pk>/concern/",
        views.ConcernRaiseView.as_view(subject_kind="use_case"),
        name="concern_raise_use_case",
    ),
    path("models/<int:pk>/concern/", views.ConcernRaiseView.as_view(subject_kind="model"), name="concern_raise_model"),
    path("versions/<int:pk>/emergency-release/", views.EmergencyRequestView.as_view(), name="emergency_request"),
    path("emergency-releases/<int:pk>/", views.EmergencyReleaseDetailView.as_view(), name="emergency_release_detail"),
    path("post-implementation-reviews/<int:pk>/", views.PirDetailView.as_view(), name="pir_detail"),
    # Platform administration
    path("training/", views_admin.TrainingRecordsView.as_view(), name="training_records"),
    path("training/import/", views_admin.TrainingImportView.as_view(), name="training_import"),
    path("review-policies/", views_admin.ReviewPolicyListView.as_view(), name="review_policies"),
    path(
        "review-policies/<int:pk>/new-version/",
        views_admin.ReviewPolicyCreateView.as_view(),
        name="review_policy_create",
    ),
    path("freeze-windows/", views_admin.FreezeWindowListView.as_view(), name="freeze_windows"),
    path("freeze-windows/<int:pk>/end/", views_admin.FreezeWindowEndView.as_view(), name="freeze_window_end"),
    path(
        "versions/<int:pk>/freeze-exemption/",
        views_freeze.FreezeExemptionRequestView.as_view(),
        name="freeze_exemption_request",
    ),
    path(
        "freeze-exemptions/<int:pk>/", views_freeze.FreezeExemptionDetailView.as_view(), name="freeze_exemption_detail"
    ),
]

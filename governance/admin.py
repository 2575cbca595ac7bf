"""Governance records in the admin: shown read-only and scoped to what the reader may see (core.admin.ReadOnlyAdmin)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from governance.models import (
    BiasAssessment,
    Concern,
    EmergencyRelease,
    ModelCard,
    PostImplementationReview,
    Questionnaire,
    Review,
    ReviewPolicy,
    RiskAssessment,
    SignOff,
    SignOffFunction,
    TestEvidence,
    TrainingRecord,
)


@admin.register(SignOffFunction)
class SignOffFunctionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "description")


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ("version", "title", "published_at")


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("use_case", "status", "eu_category", "tier", "author", "approved_by", "reassessment_due")
    list_filter = ("status", "eu_category", "tier")
    list_select_related = ("use_case", "author", "approved_by")


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(ReadOnlyAdmin):
    list_display = (
        "tier",
        "version",
        "required_functions",
        "required_test_evidence",
        "approval_validity_days",
        "created_by",
        "created_at",
    )
    list_filter = ("tier",)


class SignOffInline(admin.TabularInline):
    model = SignOff
    extra = 0
    can_delete = False
    fields = ("function", "signer_name", "decision", "comment", "digest", "policy_version", "signed_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("pk", "version", "status", "policy", "opened_at", "closed_at")
    list_filter = ("status",)
    list_select_related = ("version__model", "policy")
    inlines = [SignOffInline]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ("review", "function", "signer_name", "decision", "signed_at", "invalidated_at")
    list_filter = ("function", "decision")
    list_select_related = ("review__version__model",)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ("user", "course", "completed_on", "expires_on", "recorded_by")
    list_select_related = ("user", "recorded_by")


@admin.register(TestEvidence)
class TestEvidenceAdmin(ReadOnlyAdmin):
    """Submitted and reviewed through the pages and the API only (services check the reviewer's function and
    independence); the admin shows what the user may see."""

    __test__ = False
    list_display = ("pk", "version", "kind", "method", "status", "submitted_by", "submitted_at", "reviewed_by")
    list_filter = ("kind", "status")
    list_select_related = ("version__model", "submitted_by", "reviewed_by")


@admin.register(ModelCard)
class ModelCardAdmin(ReadOnlyAdmin):
    list_display = ("version", "explainability_method", "updated_by", "updated_at")
    list_select_related = ("version__model", "updated_by")


@admin.register(BiasAssessment)
class BiasAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "version", "file_name", "row_count", "passed", "created_by", "created_at")
    list_filter = ("passed",)
    list_select_related = ("version__model", "created_by")


@admin.register(Concern)
class ConcernAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "use_case", "model", "status", "severity", "assignee", "respond_by", "escalated_at")
    list_filter = ("status", "severity", "kind")


@admin.register(EmergencyRelease)
class EmergencyReleaseAdmin(ReadOnlyAdmin):
    """Requested, approved, refused and released only through the emergency services (two approvals, audited)."""

    list_display = ("pk", "version", "status", "requested_by", "first_approver", "second_approver", "valid_until")
    list_filter = ("status",)
    list_select_related = ("version__model", "requested_by", "first_approver", "second_approver")


@admin.register(PostImplementationReview)
class PostImplementationReviewAdmin(ReadOnlyAdmin):
    list_display = ("pk", "release", "status", "due_on", "outcome", "completed_by", "escalated_at")
    list_filter = ("status", "outcome")
    list_select_related = ("release__version__model", "completed_by")

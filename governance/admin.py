"""Governance records in the admin: shown read-only and scoped to what the reader may see (core.admin.ReadOnlyAdmin);
vendors are edited through their audited services."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceAdmin
from governance.models import (
    ApprovedStandard,
    AuditFinding,
    BiasAssessment,
    Concern,
    Control,
    EmergencyRelease,
    Evidence,
    ExternalAudit,
    FollowUp,
    Framework,
    ModelCard,
    PostImplementationReview,
    Questionnaire,
    Requirement,
    Review,
    ReviewPolicy,
    RiskAssessment,
    SandboxTrial,
    SignOff,
    SignOffFunction,
    SuppliedModel,
    TechnologyEvaluation,
    TestEvidence,
    TrainingRecord,
    Vendor,
)
from governance.services.vendors import MANAGE_PERM, VENDOR_FIELDS, vendor_create, vendor_update


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


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyAdmin):
    """Frameworks change by import (command or page), audited; the admin only shows them."""

    list_display = ("code", "name", "revision", "updated_at")


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyAdmin):
    list_display = ("framework", "reference", "title", "withdrawn")
    list_filter = ("framework", "withdrawn")


@admin.register(Control)
class ControlAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "applies_low", "applies_medium", "applies_high", "applies_critical")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("pk", "control", "use_case", "version", "kind", "status", "expires_on", "stale")
    list_filter = ("status", "kind", "stale")


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


@admin.register(Vendor)
class VendorAdmin(ServiceAdmin):
    """Vendors are edited here by holders of `governance.manage_vendor`, through the audited services."""

    list_display = ("name", "due_diligence", "lock_in_risk", "last_assessed_on")
    list_filter = ("due_diligence", "lock_in_risk")
    search_fields = ("name", "services")
    fields = VENDOR_FIELDS

    def has_add_permission(self, request):
        return request.user.has_perm(MANAGE_PERM)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(MANAGE_PERM)

    def has_delete_permission(self, request, obj=None):
        return False  # supplied models point at vendors; record the outcome in the due diligence instead

    def save_model(self, request, obj, form, change):
        if change:
            fields = {f: form.cleaned_data[f] for f in form.changed_data if f in VENDOR_FIELDS}
            self._call(request, vendor_update, vendor=obj, **fields)
        else:
            created = self._call(request, vendor_create, **{f: form.cleaned_data[f] for f in VENDOR_FIELDS})
            obj.pk = created.pk


@admin.register(SuppliedModel)
class SuppliedModelAdmin(ReadOnlyAdmin):
    list_display = ("model", "vendor", "linked_by", "linked_at")


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


# --- Technology evaluations, standards and external audits: shown here, changed through their pages and API.


@admin.register(TechnologyEvaluation)
class TechnologyEvaluationAdmin(ReadOnlyAdmin):
    list_display = ("name", "category", "build_or_buy", "licence_model", "lock_in_risk", "status", "decision", "owner")
    list_filter = ("status", "decision", "category", "lock_in_risk")
    list_select_related = ("owner",)
    search_fields = ("name",)


@admin.register(SandboxTrial)
class SandboxTrialAdmin(ReadOnlyAdmin):
    list_display = ("evaluation", "start", "end", "outcome", "closed_at")
    list_filter = ("outcome",)
    list_select_related = ("evaluation",)


@admin.register(ApprovedStandard)
class ApprovedStandardAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "status", "approved_by", "approved_at", "review_date")
    list_filter = ("kind", "status")
    list_select_related = ("approved_by",)


@admin.register(ExternalAudit)
class ExternalAuditAdmin(ReadOnlyAdmin):
    list_display = ("auditor", "lead_auditor", "start_date", "end_date", "status")
    list_filter = ("status",)


@admin.register(AuditFinding)
class AuditFindingAdmin(ReadOnlyAdmin):
    list_display = ("reference", "audit", "severity", "owner", "due_date", "risk_accepted_at")
    list_filter = ("severity",)
    list_select_related = ("audit", "owner")


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("finding", "owner", "due_date", "status", "completed_at")
    list_filter = ("status",)
    list_select_related = ("finding", "owner")

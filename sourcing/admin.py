"""Sourcing records in the admin: vendors are edited through their audited services; evaluations, trials and
standards are shown read-only here and changed through their pages and API."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceAdmin
from sourcing.models import ApprovedStandard, SandboxTrial, SuppliedModel, TechnologyEvaluation, Vendor
from sourcing.services.vendors import MANAGE_PERM, VENDOR_FIELDS, vendor_create, vendor_update


@admin.register(Vendor)
class VendorAdmin(ServiceAdmin):
    """Vendors are edited here by holders of `sourcing.manage_vendor`, through the audited services."""

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

"""Admin pages for reference data. Every save goes through the services, so it is checked and audited."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceAdmin
from portfolio import services
from portfolio.models import BusinessUnit, Capability, Membership, ScoringCriterion, UseCase
from portfolio.services import scoring


@admin.register(BusinessUnit)
class BusinessUnitAdmin(ServiceAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            fields = {f: form.cleaned_data[f] for f in form.changed_data if f in ("name", "description", "is_active")}
            self._call(request, services.business_unit_update, business_unit=obj, **fields)
        else:
            created = self._call(
                request, services.business_unit_create, code=obj.code, name=obj.name, description=obj.description
            )
            obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False  # units are deactivated, never deleted: records and the audit trail point at them


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    list_display = ("user", "business_unit", "created_at")
    list_filter = ("business_unit",)
    search_fields = ("user__username", "business_unit__code")
    autocomplete_fields = ("user",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        created = self._call(request, services.membership_add, user=obj.user, business_unit=obj.business_unit)
        obj.pk = created.pk

    def delete_model(self, request, obj):
        self._call(request, services.membership_remove, membership=obj, reason="removed in admin")

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(UseCase)
class UseCaseAdmin(ReadOnlyAdmin):
    """Read-only here: use cases change through the portfolio pages and API, where the services audit them."""

    list_display = ("code", "title", "business_unit", "status", "risk_tier", "confidential")
    list_filter = ("status", "risk_tier", "business_unit", "confidential")
    list_select_related = ("business_unit",)
    search_fields = ("title",)


@admin.register(ScoringCriterion)
class ScoringCriterionAdmin(ServiceAdmin):
    """Weights, directions and rubrics of the ranking; every change is audited and re-ranks at once."""

    list_display = ("name", "key", "weight", "higher_is_better", "source", "is_active")
    fields = ("key", "name", "description", "weight", "higher_is_better", "rubric", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return ("key",) if obj else ()

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in form.changed_data if f in scoring.CRITERION_FIELDS}
        if change:
            self._call(request, services.scoring_criterion_update, criterion=obj, **fields)
        else:
            created = self._call(
                request,
                services.scoring_criterion_create,
                key=obj.key,
                **{
                    f: form.cleaned_data[f]
                    for f in ("name", "description", "weight", "higher_is_better", "rubric", "is_active")
                },
            )
            obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False  # scores point at criteria; deactivate instead


@admin.register(Capability)
class CapabilityAdmin(ServiceAdmin):
    list_display = ("name", "parent")
    search_fields = ("name",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        created = self._call(
            request, services.capability_create, name=obj.name, parent=obj.parent, description=obj.description
        )
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False

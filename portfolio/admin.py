from django.contrib import admin

from portfolio.models import BusinessUnit, Membership, UseCase


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")
    inlines = [MembershipInline]

    def has_delete_permission(self, request, obj=None):
        return False  # units are deactivated, never deleted: records and the audit trail point at them


@admin.register(UseCase)
class UseCaseAdmin(admin.ModelAdmin):
    """Read-only here: use cases change through the portfolio pages and API, where the services audit them."""

    list_display = ("code", "title", "business_unit", "status", "risk_tier", "confidential")
    list_filter = ("status", "risk_tier", "business_unit", "confidential")
    search_fields = ("title",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

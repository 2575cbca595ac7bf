"""User admin: users are deactivated, never deleted, so a username is never reassigned (Part 11 §11.100)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db import models

from core.lockout import account_unlock

admin.site.site_header = "Lodestar administration"
admin.site.site_title = "Lodestar admin"
admin.site.unregister(User)


@admin.register(User)
class LodestarUserAdmin(UserAdmin):
    actions = ["unlock_accounts"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Unlock the selected accounts (after repeated failed sign-ins)")
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            account_unlock(actor=request.user, user=user, reason="unlocked in admin")
        self.message_user(request, f"{queryset.count()} account(s) unlocked.", level=messages.SUCCESS)


class NoWriteAdmin(admin.ModelAdmin):
    """Shows records, never adds, changes or deletes them: their services do, and write the audit trail."""

    # Links are shown as https when typed without a scheme, as Django 6 will (and as our forms do).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWriteAdmin):
    """Governed records are shown in the admin but never changed there: their services enforce the rules
    and write the audit trail, so the admin offers no add, change, delete or bulk action on them."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, "view")

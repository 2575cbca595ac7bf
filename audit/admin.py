from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by services only, and the database refuses edits."""

    list_display = ("seq", "at", "actor_name", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("actor_name", "action", "target_repr", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

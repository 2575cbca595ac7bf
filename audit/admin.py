from django.contrib import admin

from audit.models import AuditEvent, LegalHold, PurgeRun
from audit.selectors import legal_hold_list
from core.admin import NoWriteAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(NoWriteAdmin):
    """Read-only: the trail is written by services only, and the database refuses edits."""

    list_display = ("seq", "at", "actor_name", "action", "target_type", "target_repr")
    list_filter = ("action", "target_type")
    search_fields = ("actor_name", "action", "target_repr", "reason")
    date_hierarchy = "at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


@admin.register(LegalHold)
class LegalHoldAdmin(NoWriteAdmin):
    """Read-only: holds are placed and released through the API (audited), never edited or deleted."""

    list_display = ("__str__", "reason", "placed_by", "placed_at", "released_at")
    list_filter = ("scope",)

    def get_queryset(self, request):
        return legal_hold_list(user=request.user)


@admin.register(PurgeRun)
class PurgeRunAdmin(NoWriteAdmin):
    """Read-only: each run of the retention purge, as it recorded itself."""

    list_display = ("started_at", "status", "dry_run", "actor", "deleted", "held")
    list_filter = ("status", "dry_run")

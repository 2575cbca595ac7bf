"""Compliance records in the admin: shown read-only and scoped to what the reader may see; frameworks change by
import, evidence and external audits through their pages and API (audited services)."""

from django.contrib import admin

from compliance.models import AuditFinding, Control, Evidence, ExternalAudit, FollowUp, Framework, Requirement
from core.admin import ReadOnlyAdmin


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

"""Every compliance write: permission checked, validated, saved and audited in one transaction."""

from compliance.services.audits import (
    audit_finding_accept_risk,
    audit_finding_add,
    external_audit_create,
    external_audit_transition,
    external_audit_update,
    follow_up_add,
    follow_up_complete,
    unsettled_findings,
)
from compliance.services.evidence import (
    evidence_expiring,
    evidence_review,
    evidence_stale_for_new_version,
    evidence_submit,
)
from compliance.services.framework_import import (
    framework_diff,
    framework_document_parse,
    framework_document_validate,
    framework_import,
)

__all__ = [
    "audit_finding_accept_risk",
    "audit_finding_add",
    "evidence_expiring",
    "evidence_review",
    "evidence_stale_for_new_version",
    "evidence_submit",
    "external_audit_create",
    "external_audit_transition",
    "external_audit_update",
    "follow_up_add",
    "follow_up_complete",
    "framework_diff",
    "framework_document_parse",
    "framework_document_validate",
    "framework_import",
    "unsettled_findings",
]

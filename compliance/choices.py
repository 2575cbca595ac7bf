"""Choices of compliance records: evidence, external audits and their follow-ups."""

from django.db import models


class EvidenceKind(models.TextChoices):
    FILE = "file", "File"
    LINK = "link", "Link"
    TEXT = "text", "Text"


class EvidenceStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


EVIDENCE_STATUS_COLORS = {
    EvidenceStatus.SUBMITTED: "blue",
    EvidenceStatus.ACCEPTED: "green",
    EvidenceStatus.REJECTED: "red",
}


# --- External audits ---------------------------------------------------------------------------------------


class ExternalAuditStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    FIELDWORK = "fieldwork", "Fieldwork"
    REPORTED = "reported", "Reported"
    CLOSED = "closed", "Closed"


# An audit moves forward one step at a time; closing is checked against its findings' follow-ups.
NEXT_AUDIT_STATUSES = {
    ExternalAuditStatus.PLANNED: {ExternalAuditStatus.FIELDWORK},
    ExternalAuditStatus.FIELDWORK: {ExternalAuditStatus.REPORTED},
    ExternalAuditStatus.REPORTED: {ExternalAuditStatus.CLOSED},
    ExternalAuditStatus.CLOSED: set(),
}

AUDIT_STATUS_COLORS = {
    ExternalAuditStatus.PLANNED: "blue",
    ExternalAuditStatus.FIELDWORK: "amber",
    ExternalAuditStatus.REPORTED: "red",
    ExternalAuditStatus.CLOSED: "green",
}


class AuditSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"

from django.db import models


class Stage(models.TextChoices):
    REGISTERED = "registered", "Registered"
    IN_VALIDATION = "in_validation", "In validation"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved"
    STAGING = "staging", "Staging"
    PRODUCTION = "production", "Production"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"


# The stage machine: every allowed edge, in one place.
NEXT_STAGES: dict[str, set[str]] = {
    Stage.REGISTERED: {Stage.IN_VALIDATION, Stage.REJECTED},
    Stage.IN_VALIDATION: {Stage.PENDING_APPROVAL, Stage.PRODUCTION, Stage.REJECTED},
    Stage.PENDING_APPROVAL: {Stage.APPROVED, Stage.PRODUCTION, Stage.REJECTED},
    Stage.APPROVED: {Stage.STAGING, Stage.PRODUCTION, Stage.REJECTED},
    Stage.STAGING: {Stage.PRODUCTION, Stage.REJECTED},
    Stage.PRODUCTION: {Stage.DEPRECATED, Stage.SUSPENDED},
    Stage.SUSPENDED: {Stage.PRODUCTION, Stage.DEPRECATED, Stage.RETIRED},
    Stage.DEPRECATED: {Stage.RETIRED, Stage.PRODUCTION},
    Stage.REJECTED: set(),
    Stage.RETIRED: set(),
}

# Edges past the review: only an emergency release approved by two people opens them (the gate
# lifecycle.gates.approved_before_production refuses them otherwise, and a waiver provider may waive it).
EMERGENCY_EDGES: set[tuple[str, str]] = {
    (Stage.IN_VALIDATION, Stage.PRODUCTION),
    (Stage.PENDING_APPROVAL, Stage.PRODUCTION),
}

STAGE_COLORS = {
    Stage.REGISTERED: "grey",
    Stage.IN_VALIDATION: "blue",
    Stage.PENDING_APPROVAL: "amber",
    Stage.APPROVED: "teal",
    Stage.STAGING: "indigo",
    Stage.PRODUCTION: "green",
    Stage.DEPRECATED: "grey",
    Stage.RETIRED: "grey",
    Stage.REJECTED: "red",
    Stage.SUSPENDED: "orange",
}


class FreezeExemptionStatus(models.TextChoices):
    """A request to release one version to production during a freeze; approved once, used once."""

    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    USED = "used", "Used"


# "expired": a request or an unused approval past its window's end (shown, never stored)
FREEZE_EXEMPTION_COLORS = {
    "requested": "amber",
    "approved": "green",
    "refused": "red",
    "used": "grey",
    "expired": "grey",
}

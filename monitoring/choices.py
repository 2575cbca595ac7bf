from django.db import models


class MetricKind(models.TextChoices):
    DRIFT = "drift", "Drift"
    DATA_QUALITY = "data_quality", "Data quality"
    PERFORMANCE = "performance", "Performance"
    OPERATIONAL = "operational", "Operational"
    COST = "cost", "Cost"
    BUSINESS = "business", "Business"


class Aggregation(models.TextChoices):
    MEAN = "mean", "Mean"
    LAST = "last", "Last"
    SUM = "sum", "Sum"
    P95 = "p95", "95th percentile"


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partly failed"
    FAILED = "failed", "Failed"


SYNC_STATUS_COLORS = {
    SyncStatus.RUNNING: "blue",
    SyncStatus.SUCCEEDED: "green",
    SyncStatus.PARTIAL: "amber",
    SyncStatus.FAILED: "red",
}


class ScopeKind(models.TextChoices):
    MODEL = "model", "A model"
    VERSION = "version", "A model version"
    RISK_TIER = "risk_tier", "All models of a risk tier"
    BUSINESS_UNIT = "business_unit", "All models of a business unit"


class Condition(models.TextChoices):
    ABOVE = "above", "Above a threshold"
    BELOW = "below", "Below a threshold"
    RELATIVE_CHANGE = "relative_change", "Relative change from a baseline window"
    ZSCORE = "zscore", "Z-score against a trailing window"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


SEVERITY_COLORS = {Severity.INFO: "blue", Severity.WARNING: "amber", Severity.CRITICAL: "red"}


class RuleAction(models.TextChoices):
    NOTIFY = "notify", "Notify the owners"
    RETRAIN = "retrain", "Open a retraining request"
    PROPOSE_ROLLBACK = "propose_rollback", "Propose a rollback"
    BLOCK_PROMOTION = "block_promotion", "Block promotion to production"
    SUSPEND = "suspend", "Suspend the model"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


ALERT_STATUS_COLORS = {AlertStatus.OPEN: "red", AlertStatus.ACKNOWLEDGED: "amber", AlertStatus.RESOLVED: "green"}
# An alert still needs attention in these states; one per rule and series at most.
ACTIVE_ALERT_STATES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class RootCause(models.TextChoices):
    DATA_ISSUE = "data_issue", "Data issue"
    CODE_BUG = "code_bug", "Code bug"
    CONCEPT_DRIFT = "concept_drift", "Concept drift"
    UPSTREAM_PIPELINE = "upstream_pipeline", "Upstream pipeline"
    OTHER = "other", "Other"


class HealthStatus(models.TextChoices):
    GOOD = "good", "Good"
    WARNING = "warning", "Warning"
    BAD = "bad", "Bad"


HEALTH_STATUS_COLORS = {HealthStatus.GOOD: "green", HealthStatus.WARNING: "amber", HealthStatus.BAD: "red"}


class RetrainingTrigger(models.TextChoices):
    ALERT = "alert", "An alert"
    SCHEDULE = "schedule", "The retraining schedule"
    MANUAL = "manual", "Asked by a person"


class RetrainingStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"


RETRAINING_STATUS_COLORS = {
    RetrainingStatus.OPEN: "blue",
    RetrainingStatus.IN_PROGRESS: "amber",
    RetrainingStatus.DONE: "green",
    RetrainingStatus.DECLINED: "grey",
}
# A request still waits for a new version in these states.
OPEN_RETRAINING_STATES = (RetrainingStatus.OPEN, RetrainingStatus.IN_PROGRESS)


class ProposalKind(models.TextChoices):
    ROLLBACK = "rollback", "Roll back to the previous production version"
    SUSPEND = "suspend", "Suspend the production version"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"
    FAILED = "failed", "Failed"
    NOT_POSSIBLE = "not_possible", "Not possible"


PROPOSAL_STATUS_COLORS = {
    ProposalStatus.PROPOSED: "amber",
    ProposalStatus.CONFIRMED: "green",
    ProposalStatus.DISMISSED: "grey",
    ProposalStatus.FAILED: "red",
    ProposalStatus.NOT_POSSIBLE: "grey",
}
# A decision (a person's, or the rule's when automatic) closes a proposal in these states.
DECIDED_PROPOSAL_STATES = (ProposalStatus.CONFIRMED, ProposalStatus.DISMISSED, ProposalStatus.FAILED)

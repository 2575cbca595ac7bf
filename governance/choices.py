from django.db import models


class EUCategory(models.TextChoices):
    """EU AI Act risk categories (Art. 5 prohibited, Art. 6 + Annex III high, Art. 50 transparency, the rest)."""

    PROHIBITED = "prohibited", "Prohibited"
    HIGH = "high", "High risk"
    LIMITED = "limited", "Limited risk (transparency)"
    MINIMAL = "minimal", "Minimal risk"


class Tier(models.TextChoices):
    """Internal risk tiers; the same values as the use case's risk_tier."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


TIER_ORDER = [Tier.LOW, Tier.MEDIUM, Tier.HIGH, Tier.CRITICAL]


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


OPEN_ASSESSMENT_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED)


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    REQUEST_CHANGES = "request_changes", "Request changes"


class Operator(models.TextChoices):
    GTE = ">=", "≥"
    GT = ">", ">"
    LTE = "<=", "≤"
    LT = "<", "<"


class Course(models.TextChoices):
    AI_LITERACY = "ai_literacy", "AI literacy (EU AI Act Art. 4)"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESPONDED = "responded", "Responded"
    CLOSED = "closed", "Closed"


class ExplainabilityMethod(models.TextChoices):
    SHAP = "shap", "SHAP"
    LIME = "lime", "LIME"
    BUILT_IN = "built_in", "Built-in (interpretable model, feature importances)"
    NONE = "none", "None"


class SectionState(models.TextChoices):
    EMPTY = "empty", "Empty"
    PARTIAL = "partial", "Partial"
    COMPLETE = "complete", "Complete"


SECTION_COLORS = {SectionState.EMPTY: "red", SectionState.PARTIAL: "amber", SectionState.COMPLETE: "green"}


class ConcernKind(models.TextChoices):
    ETHICS = "ethics", "Ethics"
    DATA_OWNERSHIP = "data_ownership", "Data ownership"
    FAIRNESS = "fairness", "Fairness"
    PRIVACY = "privacy", "Privacy"
    SAFETY = "safety", "Safety"
    OTHER = "other", "Other"


class ConcernSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    TRIAGED = "triaged", "Triaged"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class EmergencyStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    RELEASED = "released", "Released to production"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


OPEN_EMERGENCY_STATES = (EmergencyStatus.REQUESTED, EmergencyStatus.APPROVED)
EMERGENCY_STATUS_COLORS = {
    EmergencyStatus.REQUESTED: "amber",
    EmergencyStatus.APPROVED: "orange",
    EmergencyStatus.RELEASED: "red",
    EmergencyStatus.REFUSED: "grey",
    EmergencyStatus.EXPIRED: "grey",
    EmergencyStatus.CANCELLED: "grey",
}


class PirStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"


class PirOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed: the release stands"
    ROLLED_BACK = "rolled_back", "Rolled back"
    NEEDS_REMEDIATION = "needs_remediation", "Needs remediation"


# --- Required test evidence ---------------------------------------------------------------------------------


class TestEvidenceKind(models.TextChoices):
    """The typed tests a tier's policy may require of a version before approval."""

    __test__ = False  # not a test class, whatever its name

    VALIDATION_PROTOCOL = "validation_protocol", "Validation protocol"
    ADVERSARIAL_ROBUSTNESS = "adversarial_robustness", "Adversarial robustness test"
    PENETRATION_TEST = "penetration_test", "Penetration test of the serving API"
    CODE_REVIEW = "code_review", "Code review"
    EXPLAINABILITY_REPORT = "explainability_report", "Explainability report"


class ValidationMethod(models.TextChoices):
    HOLDOUT = "holdout", "Holdout"
    CROSS_VALIDATION = "cross_validation", "Cross-validation"
    BACKTEST = "backtest", "Backtest"


class TestEvidenceStatus(models.TextChoices):
    __test__ = False

    SUBMITTED = "submitted", "Waiting for review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


# Which sign-off function reviews each kind: attacks on the model and its API go to security, the rest to
# independent validation.
TEST_EVIDENCE_REVIEWER = {
    TestEvidenceKind.VALIDATION_PROTOCOL: "validation",
    TestEvidenceKind.ADVERSARIAL_ROBUSTNESS: "security",
    TestEvidenceKind.PENETRATION_TEST: "security",
    TestEvidenceKind.CODE_REVIEW: "validation",
    TestEvidenceKind.EXPLAINABILITY_REPORT: "validation",
}


class RequirementState(models.TextChoices):
    """Where one required kind stands for a version's current content."""

    MISSING = "missing", "Missing"
    WAITING = "waiting", "Waiting for review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    STALE = "stale", "Stale (the version changed since)"


REQUIREMENT_STATE_COLORS = {
    RequirementState.MISSING: "red",
    RequirementState.WAITING: "blue",
    RequirementState.ACCEPTED: "green",
    RequirementState.REJECTED: "red",
    RequirementState.STALE: "amber",
}

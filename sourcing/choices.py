"""Choices of sourcing records: vendors, technology evaluations, trials and standards."""

from django.db import models


class DueDiligence(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class LockInRisk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# --- Technology evaluations and approved standards ---------------------------------------------------------


class TechnologyCategory(models.TextChoices):
    ML_PLATFORM = "ml_platform", "ML platform"
    FEATURE_STORE = "feature_store", "Feature store"
    LLM_API = "llm_api", "LLM / API"
    MONITORING = "monitoring", "Monitoring"
    LABELLING = "labelling", "Labelling"
    OTHER = "other", "Other"


class BuildOrBuy(models.TextChoices):
    BUILD = "build", "Build"
    BUY = "buy", "Buy"


class LicenceModel(models.TextChoices):
    OPEN_SOURCE = "open_source", "Open source"
    COMMERCIAL = "commercial", "Commercial"


class EvaluationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    IN_TRIAL = "in_trial", "In trial"
    DECIDED = "decided", "Decided"


EVALUATION_STATUS_COLORS = {
    EvaluationStatus.PROPOSED: "blue",
    EvaluationStatus.IN_TRIAL: "amber",
    EvaluationStatus.DECIDED: "green",
}


class EvaluationDecision(models.TextChoices):
    ADOPT = "adopt", "Adopt"
    REJECT = "reject", "Reject"
    DEFER = "defer", "Defer"


class TrialOutcome(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


class StandardKind(models.TextChoices):
    STANDARD = "standard", "Standard"
    REFERENCE_ARCHITECTURE = "reference_architecture", "Reference architecture"


class StandardStatus(models.TextChoices):
    APPROVED = "approved", "Approved"
    RETIRED = "retired", "Retired"

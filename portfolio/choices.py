from django.db import models


class UseCaseStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ASSESSING = "assessing", "Assessing"
    APPROVED = "approved", "Approved"
    IN_DELIVERY = "in_delivery", "In delivery"
    LIVE = "live", "Live"
    RETIRED = "retired", "Retired"
    PAUSED = "paused", "Paused"
    REJECTED = "rejected", "Rejected"


# The workflow: where each status may go next. Paused resumes where work can pick up again.
NEXT_STATUSES: dict[str, set[str]] = {
    UseCaseStatus.PROPOSED: {UseCaseStatus.ASSESSING, UseCaseStatus.REJECTED, UseCaseStatus.PAUSED},
    UseCaseStatus.ASSESSING: {UseCaseStatus.APPROVED, UseCaseStatus.REJECTED, UseCaseStatus.PAUSED},
    UseCaseStatus.APPROVED: {UseCaseStatus.IN_DELIVERY, UseCaseStatus.REJECTED, UseCaseStatus.PAUSED},
    UseCaseStatus.IN_DELIVERY: {UseCaseStatus.LIVE, UseCaseStatus.PAUSED, UseCaseStatus.REJECTED},
    UseCaseStatus.LIVE: {UseCaseStatus.RETIRED, UseCaseStatus.PAUSED},
    UseCaseStatus.PAUSED: {
        UseCaseStatus.ASSESSING,
        UseCaseStatus.APPROVED,
        UseCaseStatus.IN_DELIVERY,
        UseCaseStatus.LIVE,
        UseCaseStatus.REJECTED,
        UseCaseStatus.RETIRED,
    },
    UseCaseStatus.REJECTED: set(),
    UseCaseStatus.RETIRED: set(),
}
OPEN_STATUSES = {s for s, nexts in NEXT_STATUSES.items() if nexts}
# Statuses that count as the backlog to rank and plan.
BACKLOG_STATUSES = {UseCaseStatus.PROPOSED, UseCaseStatus.ASSESSING, UseCaseStatus.APPROVED}


class RiskTier(models.TextChoices):
    UNASSESSED = "unassessed", "Not assessed"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Horizon(models.TextChoices):
    H1 = "h1", "H1 · within 12 months"
    H2 = "h2", "H2 · 1 to 3 years"
    H3 = "h3", "H3 · beyond 3 years"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class KPISource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    METRIC = "metric", "Bound to a monitored metric"


class Sourcing(models.TextChoices):
    UNDECIDED = "undecided", "Not decided"
    BUILD = "build", "Build"
    BUY = "buy", "Buy"
    PARTNER = "partner", "Partner"


class Level(models.TextChoices):
    """A three-step scale for data quality and integration complexity."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class CriterionSource(models.TextChoices):
    MANUAL = "manual", "Scored by people"
    RISK_TIER = "risk_tier", "Read from the risk tier (when assessed)"


STATUS_COLORS = {
    UseCaseStatus.PROPOSED: "grey",
    UseCaseStatus.ASSESSING: "blue",
    UseCaseStatus.APPROVED: "teal",
    UseCaseStatus.IN_DELIVERY: "indigo",
    UseCaseStatus.LIVE: "green",
    UseCaseStatus.RETIRED: "grey",
    UseCaseStatus.PAUSED: "amber",
    UseCaseStatus.REJECTED: "red",
}
RISK_COLORS = {
    RiskTier.UNASSESSED: "grey",
    RiskTier.LOW: "green",
    RiskTier.MEDIUM: "amber",
    RiskTier.HIGH: "orange",
    RiskTier.CRITICAL: "red",
}
# How a risk tier scores on a 1-5 criterion where higher means riskier.
RISK_TIER_SCORES = {RiskTier.LOW: 1, RiskTier.MEDIUM: 2, RiskTier.HIGH: 4, RiskTier.CRITICAL: 5}

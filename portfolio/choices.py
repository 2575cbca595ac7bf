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


class RiskTier(models.TextChoices):
    UNASSESSED = "unassessed", "Not assessed"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


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

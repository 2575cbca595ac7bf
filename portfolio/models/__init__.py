from portfolio.models.delivery import (
    READINESS_ITEMS,
    BenefitReview,
    ChangeAction,
    PersonSkill,
    ReadinessCheck,
    Skill,
    SkillNeed,
    StopLoss,
)
from portfolio.models.organisation import BusinessUnit, Membership
from portfolio.models.reviews import Assumption, PortfolioReview, RaciRole, ReviewDecision, UseCaseRaci
from portfolio.models.roadmap import Agreement, Dependency, RoadmapEffort, RoadmapItem, Team, Wave, WaveCapacity
from portfolio.models.scoring import Score, ScoringCriterion
from portfolio.models.strategy import KPI, Capability, KPIMeasurement, Objective
from portfolio.models.use_cases import UseCase, UseCaseObjective, UseCaseTransition

__all__ = [
    "KPI",
    "READINESS_ITEMS",
    "Agreement",
    "Assumption",
    "BenefitReview",
    "BusinessUnit",
    "Capability",
    "ChangeAction",
    "Dependency",
    "KPIMeasurement",
    "Membership",
    "Objective",
    "PersonSkill",
    "PortfolioReview",
    "RaciRole",
    "ReadinessCheck",
    "ReviewDecision",
    "RoadmapEffort",
    "RoadmapItem",
    "Score",
    "ScoringCriterion",
    "Skill",
    "SkillNeed",
    "StopLoss",
    "Team",
    "UseCase",
    "UseCaseObjective",
    "UseCaseRaci",
    "UseCaseTransition",
    "Wave",
    "WaveCapacity",
]

from portfolio.models.organisation import BusinessUnit, Membership
from portfolio.models.reviews import Assumption, PortfolioReview, RaciRole, ReviewDecision, UseCaseRaci
from portfolio.models.roadmap import Agreement, Dependency, RoadmapEffort, RoadmapItem, Team, Wave, WaveCapacity
from portfolio.models.scoring import Score, ScoringCriterion
from portfolio.models.strategy import KPI, Capability, KPIMeasurement, Objective
from portfolio.models.use_cases import UseCase, UseCaseObjective, UseCaseTransition

__all__ = [
    "KPI",
    "Agreement",
    "Assumption",
    "BusinessUnit",
    "Capability",
    "Dependency",
    "KPIMeasurement",
    "Membership",
    "Objective",
    "PortfolioReview",
    "RaciRole",
    "ReviewDecision",
    "RoadmapEffort",
    "RoadmapItem",
    "Score",
    "ScoringCriterion",
    "Team",
    "UseCase",
    "UseCaseObjective",
    "UseCaseRaci",
    "UseCaseTransition",
    "Wave",
    "WaveCapacity",
]

from portfolio.models.organisation import BusinessUnit, Membership
from portfolio.models.scoring import Score, ScoringCriterion
from portfolio.models.strategy import KPI, Capability, KPIMeasurement, Objective
from portfolio.models.use_cases import UseCase, UseCaseObjective, UseCaseTransition

__all__ = [
    "KPI",
    "BusinessUnit",
    "Capability",
    "KPIMeasurement",
    "Membership",
    "Objective",
    "Score",
    "ScoringCriterion",
    "UseCase",
    "UseCaseObjective",
    "UseCaseTransition",
]

"""The weighted ranking of the backlog, computed in the database.

Each criterion's score is the mean of the scorers' current scores, normalised to 0..1 so that
1 is always best (a 5 on "risk" is worst). The use case's score is the weighted mean, 0..100.
A criterion nobody scored yet counts as 0, and the row says how many criteria are missing.
A criterion whose source is the risk tier reads the tier once governance assessed it.
"""

from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property

from django.db.models import (
    Avg,
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Window
from django.db.models.functions import Coalesce, Rank
from django.urls import reverse

from portfolio.choices import BACKLOG_STATUSES, RISK_TIER_SCORES, CriterionSource, UseCaseStatus
from portfolio.models import ScoringCriterion, UseCase

# A use case whose rank moves by at least this many places under other weights is "sensitive".
SENSITIVE_MOVE = 3


@dataclass(frozen=True)
class RankRow:
    use_case: int
    code: str
    title: str
    business_unit: str
    status: str
    score: float
    rank: int
    missing_criteria: int
    estimated_value: Decimal
    estimated_cost: Decimal
    base_rank: int | None = None
    # Estimated value discounted by the unit's forecast record (only when asked for; never hidden).
    calibrated_value: Decimal | None = None
    calibration_factor: Decimal | None = None

    @property
    def moved(self) -> int:
        return 0 if self.base_rank is None else self.base_rank - self.rank

    @property
    def status_label(self) -> str:
        return UseCaseStatus(self.status).label

    @property
    def sensitive(self) -> bool:
        return abs(self.moved) >= SENSITIVE_MOVE

    @cached_property
    def url(self) -> str:
        """The use case's page, resolved once for the table and the chart."""
        return reverse("portfolio:usecase_detail", args=[self.use_case])


def _criterion_mean(criterion: ScoringCriterion):
    current = Q(scores__criterion=criterion, scores__is_current=True)
    mean = Avg("scores__score", filter=current, output_field=FloatField())
    if criterion.source == CriterionSource.RISK_TIER:
        tier_score = [When(risk_tier=tier, then=Value(float(score))) for tier, score in RISK_TIER_SCORES.items()]
        mean = Case(*tier_score, default=mean, output_field=FloatField())
    return mean


def _normalised(criterion: ScoringCriterion):
    mean = _criterion_mean(criterion)
    expression = (mean - Value(1.0)) / Value(4.0) if criterion.higher_is_better else (Value(5.0) - mean) / Value(4.0)
    return Coalesce(ExpressionWrapper(expression, output_field=FloatField()), Value(0.0))


def _has_score(criterion: ScoringCriterion):
    scored = Q(scores__criterion=criterion, scores__is_current=True)
    if criterion.source == CriterionSource.RISK_TIER:
        scored |= Q(risk_tier__in=list(RISK_TIER_SCORES))
    return Case(When(Q(pk__in=UseCase.objects.filter(scored).values("pk")), then=Value(1)), default=Value(0))


def criteria_with_weights(overrides: dict[str, Decimal] | None = None) -> list[tuple[ScoringCriterion, float]]:
    """Active criteria with the weight to use: the override by key, else the saved weight."""
    overrides = overrides or {}
    return [(c, float(overrides.get(c.key, c.weight))) for c in ScoringCriterion.objects.filter(is_active=True)]


def _ranked(queryset, weighted: list[tuple[ScoringCriterion, float]]):
    total = sum(weight for _, weight in weighted) or 1.0
    score = Value(0.0)
    for criterion, weight in weighted:
        if weight:
            score = score + Value(weight) * _normalised(criterion)
    missing = Value(0)
    for criterion, _ in weighted:
        missing = missing + (Value(1) - _has_score(criterion))
    return (
        queryset.annotate(
            score=ExpressionWrapper(Value(100.0) * score / Value(total), output_field=FloatField()),
            missing_criteria=missing,
        )
        .annotate(rank=Window(Rank(), order_by=F("score").desc()))
        .order_by("rank", "number")
        .values(
            "pk",
            "number",
            "title",
            "business_unit__code",
            "status",
            "score",
            "rank",
            "missing_criteria",
            "estimated_value",
            "estimated_cost",
        )
    )


def ranking(*, queryset, overrides: dict[str, Decimal] | None = None) -> list[RankRow]:
    """The backlog in `queryset` ranked by weighted score; with overrides, each row also has its base rank."""
    queryset = queryset.filter(status__in=BACKLOG_STATUSES)
    rows = list(_ranked(queryset, criteria_with_weights(overrides)))
    base = {}
    if overrides:
        base = {row["pk"]: row["rank"] for row in _ranked(queryset, criteria_with_weights())}
    return [
        RankRow(
            use_case=row["pk"],
            code=f"UC-{row['number']:03d}",
            title=row["title"],
            business_unit=row["business_unit__code"],
            status=row["status"],
            score=round(row["score"], 2),
            rank=row["rank"],
            missing_criteria=row["missing_criteria"],
            estimated_value=row["estimated_value"],
            estimated_cost=row["estimated_cost"],
            base_rank=base.get(row["pk"]) if overrides else row["rank"],
        )
        for row in rows
    ]


def calibrate(rows: list[RankRow], factors: dict[str, Decimal]) -> list[RankRow]:
    """Each row's value discounted by its business unit's record of realised over projected value.
    Only discounts: a unit that over-delivered keeps its estimate (factor capped at 1)."""
    calibrated = []
    for row in rows:
        factor = min(Decimal(1), factors.get(row.business_unit) or Decimal(1))
        calibrated.append(
            replace(
                row, calibration_factor=factor, calibrated_value=(row.estimated_value * factor).quantize(Decimal("1"))
            )
        )
    return calibrated

"""The recommended plan: which planned use cases go in which wave so that weighted value is highest,
within each team's capacity, the budget and the dependencies. Solved exactly as an integer program
(scipy's milp, HiGHS) — the sizes a portfolio office plans at a time solve in milliseconds.

Value of a use case = its estimated annual value × (0.1 + 0.9 × its weighted ranking score, 0..1),
discounted by 5% per wave of delay so that, at equal value, earlier delivery wins. The effort per team comes from
the roadmap item: a use case without one has no effort estimate and is left out (and said so).
"""

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import Sum
from scipy.optimize import Bounds, LinearConstraint, milp

from portfolio.choices import UseCaseStatus
from portfolio.models import Dependency, RoadmapEffort, RoadmapItem, UseCase, Wave, WaveCapacity
from portfolio.ranking import ranking

DELAY_DISCOUNT = 0.05
_DONE = {UseCaseStatus.LIVE, UseCaseStatus.RETIRED}


@dataclass
class Change:
    code: str
    title: str
    before: str | None
    after: str | None
    why: str


@dataclass
class PlanProposal:
    solved: bool
    message: str
    assignment: dict[int, int | None] = field(default_factory=dict)  # roadmap item id -> wave id (None: drop)
    changes: list[Change] = field(default_factory=list)
    value_current: float = 0.0
    value_recommended: float = 0.0
    budget: Decimal | None = None
    cost_recommended: Decimal = Decimal(0)


def recommend_plan(*, use_cases, budget: Decimal | None = None) -> PlanProposal:
    """The best assignment of the user's planned use cases to waves (see the module docstring)."""
    waves = list(Wave.objects.order_by("start"))
    items = list(RoadmapItem.objects.filter(use_case__in=use_cases.values("pk")).select_related("use_case", "wave"))
    if not items or not waves:
        return PlanProposal(False, "Nothing planned yet: plan approved use cases in waves first.")
    index = {item.pk: i for i, item in enumerate(items)}
    wave_index = {wave.pk: j for j, wave in enumerate(waves)}
    n_items, n_waves = len(items), len(waves)

    def var(i: int, j: int) -> int:
        return i * n_waves + j

    scores = {
        row.use_case: row.score / 100
        for row in ranking(queryset=UseCase.objects.filter(pk__in=[item.use_case_id for item in items]))
    }
    # Items that are delivering already are not in the backlog ranking: count them at full score.
    # A score of 0 (nothing scored yet) still counts a tenth of the value; +1 keeps a zero-value item planned
    # when nothing else needs its place.
    worth = [
        float(item.use_case.estimated_value) * (0.1 + 0.9 * scores.get(item.use_case_id, 1.0)) + 1 for item in items
    ]
    gain = np.array([worth[i] * (1 - DELAY_DISCOUNT * j) for i in range(n_items) for j in range(n_waves)])

    rows, lower, upper = [], [], []

    def add(coefficients: dict[int, float], low: float, high: float) -> None:
        row = np.zeros(n_items * n_waves)
        for position, value in coefficients.items():
            row[position] += value
        rows.append(row)
        lower.append(low)
        upper.append(high)

    for i in range(n_items):  # each use case in one wave at most
        add({var(i, j): 1 for j in range(n_waves)}, 0, 1)

    # Capacity: what the user cannot see (confidential plans of other units) is a fixed load.
    efforts = list(RoadmapEffort.objects.filter(item__in=items).values("item", "team", "person_days"))
    capacity = {
        (c["wave"], c["team"]): c["person_days"] for c in WaveCapacity.objects.values("wave", "team", "person_days")
    }
    hidden = RoadmapEffort.objects.exclude(item__in=items).values("item__wave", "team").annotate(d=Sum("person_days"))
    fixed = {(h["item__wave"], h["team"]): h["d"] for h in hidden}
    teams = {e["team"] for e in efforts}
    for wave in waves:
        for team in teams:
            load = {var(index[e["item"]], wave_index[wave.pk]): e["person_days"] for e in efforts if e["team"] == team}
            add(load, 0, capacity.get((wave.pk, team), 0) - fixed.get((wave.pk, team), 0))

    if budget is not None:
        add(
            {var(i, j): float(items[i].use_case.estimated_cost) for i in range(n_items) for j in range(n_waves)},
            0,
            float(budget),
        )

    planned_of = {item.use_case_id: i for i, item in enumerate(items)}
    excluded: dict[int, str] = {}
    prerequisites: dict[int, list[UseCase]] = {}
    for dep in Dependency.objects.filter(use_case__in=[item.use_case_id for item in items]).select_related(
        "depends_on"
    ):
        i = planned_of[dep.use_case_id]
        prerequisites.setdefault(dep.use_case_id, []).append(dep.depends_on)
        if dep.depends_on.status in _DONE:
            continue
        if dep.depends_on_id not in planned_of:
            excluded[i] = f"needs {dep.depends_on.code}, which is not planned"
            add({var(i, j): 1 for j in range(n_waves)}, 0, 0)
            continue
        d = planned_of[dep.depends_on_id]
        for j in range(n_waves):  # u in wave j only if d is in an earlier wave
            add({var(i, j): 1, **{var(d, k): -1 for k in range(j)}}, -np.inf, 0)

    result = milp(
        -gain,
        constraints=LinearConstraint(np.array(rows), lower, upper),
        integrality=np.ones_like(gain),
        bounds=Bounds(0, 1),
        options={"time_limit": 10},
    )
    if result.x is None:
        return PlanProposal(False, f"No plan satisfies every constraint ({result.message}).")
    chosen = np.round(result.x).reshape(n_items, n_waves)
    placed = {items[i].use_case_id: (int(np.argmax(chosen[i])) if chosen[i].any() else None) for i in range(n_items)}
    proposal = PlanProposal(True, "Optimal plan found." if result.status == 0 else result.message, budget=budget)
    for i, item in enumerate(items):
        j = placed[item.use_case_id]
        proposal.assignment[item.pk] = waves[j].pk if j is not None else None
        proposal.value_current += worth[i] * (1 - DELAY_DISCOUNT * wave_index[item.wave_id])
        if j is not None:
            proposal.value_recommended += worth[i] * (1 - DELAY_DISCOUNT * j)
            proposal.cost_recommended += item.use_case.estimated_cost
        if j is None or waves[j].pk != item.wave_id:
            why = _why(item, j, wave_index, excluded.get(i), prerequisites.get(item.use_case_id, []), placed)
            after = waves[j].name if j is not None else None
            proposal.changes.append(Change(item.use_case.code, item.use_case.title, item.wave.name, after, why))
    return proposal


def _why(item, j, wave_index, excluded_because, prerequisites, placed) -> str:
    """Why the recommended plan moves this use case, in words."""
    if excluded_because:
        return f"Left out: it {excluded_because}."
    if j is None:
        return "Left out: within capacity, budget and dependencies, other use cases deliver more weighted value."
    if j < wave_index[item.wave_id]:
        return "Earlier: capacity allows it, and value delivered sooner counts more."
    current = wave_index[item.wave_id]
    blockers = [dep.code for dep in prerequisites if placed.get(dep.pk) is not None and placed[dep.pk] >= current]
    if blockers:
        return f"Later: it must follow {', '.join(blockers)}, which it depends on."
    return "Later: its wave is over capacity for a team it needs."

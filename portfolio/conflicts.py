"""Conflicts in the plan, computed from the data (a handful of queries, whatever the size):
- a use case planned to start before something it depends on is planned to end (or is not planned);
- a team whose planned effort in a wave exceeds its capacity there;
- an open agreement past its due date."""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Sum
from django.utils import timezone

from portfolio.choices import UseCaseStatus
from portfolio.models import Agreement, Dependency, RoadmapEffort, WaveCapacity


@dataclass(frozen=True)
class PlanConflict:
    kind: str  # "dependency", "capacity", "agreement"
    message: str
    use_case_ids: tuple[int, ...] = ()


def dependency_conflicts(*, use_cases) -> list[PlanConflict]:
    visible = use_cases.values("pk")
    rows = (
        Dependency.objects.filter(use_case__in=visible, depends_on__in=visible, use_case__roadmap_item__isnull=False)
        .exclude(depends_on__status__in=[UseCaseStatus.LIVE, UseCaseStatus.RETIRED])
        .select_related("use_case__roadmap_item", "depends_on")
        .annotate(dep_end=F("depends_on__roadmap_item__planned_end"))
    )
    conflicts = []
    for dep in rows:
        start = dep.use_case.roadmap_item.planned_start
        if dep.dep_end is None:
            conflicts.append(
                PlanConflict(
                    "dependency",
                    f"{dep.use_case.code} starts {start} but depends on {dep.depends_on.code}, which is not planned.",
                    (dep.use_case_id, dep.depends_on_id),
                )
            )
        elif dep.dep_end > start:
            conflicts.append(
                PlanConflict(
                    "dependency",
                    f"{dep.use_case.code} starts {start}, before "
                    f"{dep.depends_on.code}, which it depends on, ends {dep.dep_end}.",
                    (dep.use_case_id, dep.depends_on_id),
                )
            )
    return conflicts


def capacity_conflicts() -> list[PlanConflict]:
    """Over capacity counts every item, confidential ones too (the people are real), but names none."""
    load = (
        RoadmapEffort.objects.values("item__wave", "item__wave__name", "team", "team__name")
        .annotate(planned=Sum("person_days"))
        .order_by("item__wave__start", "team__name")
    )
    capacity = {
        (c["wave"], c["team"]): c["person_days"] for c in WaveCapacity.objects.values("wave", "team", "person_days")
    }
    conflicts = []
    for row in load:
        available = capacity.get((row["item__wave"], row["team"]), 0)
        if row["planned"] > available:
            conflicts.append(
                PlanConflict(
                    "capacity",
                    f"{row['team__name']} is over capacity in {row['item__wave__name']}: "
                    f"{row['planned']} person-days planned for {available} available.",
                )
            )
    return conflicts


def agreement_conflicts(*, today: date | None = None) -> list[PlanConflict]:
    today = today or timezone.localdate()
    late = Agreement.objects.filter(status=Agreement.Status.OPEN, due_date__lt=today).select_related(
        "provider", "consumer", "owner"
    )
    return [
        PlanConflict(
            "agreement",
            f"“{a.title}” ({a.provider.code} → {a.consumer.code}, owner "
            f"{a.owner.get_username()}) was due {a.due_date} and is still open.",
            (a.use_case_id,) if a.use_case_id else (),
        )
        for a in late
    ]


def plan_conflicts(*, use_cases) -> list[PlanConflict]:
    return [*dependency_conflicts(use_cases=use_cases), *capacity_conflicts(), *agreement_conflicts()]

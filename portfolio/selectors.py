"""Reads of the portfolio that the pages and the API share; aggregates run in the database."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncQuarter

from core.periods import quarter_label, within
from portfolio.choices import RiskTier, UseCaseStatus
from portfolio.models import (
    KPI,
    Agreement,
    Assumption,
    BenefitReview,
    BusinessUnit,
    Capability,
    KPIMeasurement,
    Objective,
    PersonSkill,
    PortfolioReview,
    RoadmapEffort,
    RoadmapItem,
    Score,
    ScoringCriterion,
    Skill,
    StopLoss,
    Team,
    UseCase,
    UseCaseObjective,
    UseCaseRaci,
    UseCaseTransition,
    Wave,
    WaveCapacity,
)


def business_unit_list(*, user) -> QuerySet[BusinessUnit]:
    return BusinessUnit.objects.restrict(user, "view").filter(is_active=True)


def user_business_units(*, user) -> QuerySet[BusinessUnit]:
    return BusinessUnit.objects.filter(memberships__user=user)


def use_case_list(*, user) -> QuerySet[UseCase]:
    return UseCase.objects.restrict(user, "view").select_related("business_unit", "owner", "sponsor")


def use_case_detail_list(*, user) -> QuerySet[UseCase]:
    """Use cases with what the detail page and the API show, prefetched (no N+1)."""
    return use_case_list(user=user).prefetch_related(
        "capabilities",
        Prefetch("raci", queryset=UseCaseRaci.objects.select_related("person")),
        Prefetch("objective_links", queryset=UseCaseObjective.objects.select_related("objective", "kpi")),
    )


def use_case_scores(*, use_case: UseCase) -> QuerySet[Score]:
    return use_case.scores.select_related("criterion", "scorer")


def objective_list(*, user) -> QuerySet[Objective]:
    return Objective.objects.restrict(user, "view").select_related("business_unit", "owner").prefetch_related("kpis")


def kpi_list(*, user) -> QuerySet[KPI]:
    """KPIs with their latest measurement (value and date) annotated in the same query."""
    latest = KPIMeasurement.objects.filter(kpi=OuterRef("pk")).order_by("-measured_on")
    return (
        KPI.objects.restrict(user, "view")
        .select_related("objective", "objective__business_unit")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]), latest_on=Subquery(latest.values("measured_on")[:1])
        )
    )


def kpi_measurements(*, kpi: KPI) -> QuerySet[KPIMeasurement]:
    return kpi.measurements.select_related("recorded_by").order_by("measured_on")


def capability_list(*, user) -> QuerySet[Capability]:
    return Capability.objects.restrict(user, "view").select_related("parent")


def scoring_criteria(*, active_only: bool = False) -> QuerySet[ScoringCriterion]:
    criteria = ScoringCriterion.objects.all()
    return criteria.filter(is_active=True) if active_only else criteria


def use_case_counts_by_status(*, user) -> list[dict]:
    """[{status, label, count}] over the use cases the user may see, one grouped query."""
    rows = dict(use_case_list(user=user).order_by().values_list("status").annotate(n=Count("pk")))
    return [{"status": s.value, "label": s.label, "count": rows.get(s.value, 0)} for s in UseCaseStatus]


def portfolio_totals(*, user) -> dict:
    """Count, projected value and cost of the use cases the user may see, in one query."""
    money = DecimalField(max_digits=16, decimal_places=2)
    return (
        use_case_list(user=user)
        .order_by()
        .aggregate(
            count=Count("pk"),
            value=Coalesce(Sum("estimated_value"), 0, output_field=money),
            cost=Coalesce(Sum("estimated_cost"), 0, output_field=money),
        )
    )


def portfolio_by_business_unit(*, user) -> QuerySet:
    return (
        use_case_list(user=user)
        .order_by("business_unit__name")
        .values("business_unit__code", "business_unit__name")
        .annotate(count=Count("pk"), value=Sum("estimated_value"), cost=Sum("estimated_cost"))
    )


def waves() -> QuerySet[Wave]:
    return Wave.objects.all()


def roadmap_items(*, user) -> QuerySet[RoadmapItem]:
    return (
        RoadmapItem.objects.restrict(user, "view")
        .select_related("use_case", "wave")
        .prefetch_related(Prefetch("efforts", queryset=RoadmapEffort.objects.select_related("team")))
    )


def capacity_load() -> list[dict]:
    """Planned against available person-days for every wave and team that has either (two queries)."""
    planned = {
        (r["item__wave"], r["team"]): r["days"]
        for r in RoadmapEffort.objects.values("item__wave", "team").annotate(days=Sum("person_days"))
    }
    available = {(c.wave_id, c.team_id): c for c in WaveCapacity.objects.select_related("wave", "team")}
    names = {key: (c.wave, c.team) for key, c in available.items()}
    missing = set(planned) - set(available)
    if missing:
        wave_names = dict(Wave.objects.filter(pk__in={w for w, _ in missing}).values_list("pk", "name"))
        team_names = dict(Team.objects.filter(pk__in={t for _, t in missing}).values_list("pk", "name"))
        names |= {(w, t): (wave_names[w], team_names[t]) for w, t in missing}
    rows = [
        {
            "wave": str(names[key][0]),
            "team": str(names[key][1]),
            "planned": planned.get(key, 0),
            "available": available[key].person_days if key in available else 0,
        }
        for key in names
    ]
    return sorted(rows, key=lambda r: (r["wave"], r["team"]))


def team_list() -> QuerySet[Team]:
    """Teams with their unit and their capacity in each wave (three queries)."""
    return Team.objects.select_related("business_unit").prefetch_related(
        Prefetch("capacities", queryset=WaveCapacity.objects.select_related("wave").order_by("wave__start"))
    )


def wave_capacity_table() -> list[dict]:
    """Each wave with, per team that has capacity or planned effort in it, available and planned person-days."""
    load: dict[str, list[dict]] = {}
    for row in capacity_load():
        load.setdefault(row["wave"], []).append(row)
    return [
        {
            "wave": wave,
            "teams": load.get(wave.name, []),
            "available": sum(r["available"] for r in load.get(wave.name, [])),
            "planned": sum(r["planned"] for r in load.get(wave.name, [])),
            "over": any(r["planned"] > r["available"] for r in load.get(wave.name, [])),
        }
        for wave in Wave.objects.all()
    ]


def agreement_list(*, user) -> QuerySet[Agreement]:
    return Agreement.objects.restrict(user, "view").select_related("provider", "consumer", "owner", "use_case")


def assumption_list(*, user) -> QuerySet[Assumption]:
    return Assumption.objects.restrict(user, "view").select_related("owner", "business_unit", "use_case")


def assumptions_due(*, user, within_days: int = 14) -> QuerySet[Assumption]:
    """Assumptions that still hold and must be checked by `within_days` from today (overdue ones first)."""
    from datetime import timedelta

    from django.utils import timezone

    horizon = timezone.localdate() + timedelta(days=within_days)
    return assumption_list(user=user).filter(status=Assumption.Status.HOLDING, review_date__lte=horizon)


def portfolio_review_list() -> QuerySet[PortfolioReview]:
    return PortfolioReview.objects.prefetch_related("attendees").annotate(n_decisions=Count("decisions"))


def budget_split(*, user) -> dict:
    """Innovation and technical-debt budget over the use cases the user may see (one query)."""
    money = DecimalField(max_digits=16, decimal_places=2)
    totals = (
        use_case_list(user=user)
        .order_by()
        .aggregate(
            innovation=Coalesce(Sum("budget_innovation"), 0, output_field=money),
            tech_debt=Coalesce(Sum("budget_tech_debt"), 0, output_field=money),
        )
    )
    total = totals["innovation"] + totals["tech_debt"]
    totals["innovation_share"] = round(100 * totals["innovation"] / total) if total else 0
    return totals


# --- Benefits and skills ------------------------------------------------------------------------------

_REALISED_STATUSES = ("live", "retired")


def _latest_realised():
    return (
        BenefitReview.objects.filter(use_case=OuterRef("pk"))
        .order_by("-reviewed_on", "-pk")
        .values("realised_value")[:1]
    )


def benefits_by_objective(*, user) -> list[dict]:
    """Per objective: projected value of its live use cases against the value their last reviews found.
    Reads plain values (no model instances) so it stays quick with thousands of use cases."""
    cases = (
        use_case_list(user=user)
        .filter(status__in=_REALISED_STATUSES)
        .annotate(realised=Subquery(_latest_realised()))
        .values_list("pk", "estimated_value", "realised")
    )
    by_case = {pk: (value, realised) for pk, value, realised in cases}
    pairs = set(UseCaseObjective.objects.filter(use_case__in=list(by_case)).values_list("objective_id", "use_case_id"))
    objectives = Objective.objects.in_bulk({objective_id for objective_id, _ in pairs})
    rows: dict[int, dict] = {}
    for objective_id, case_id in pairs:
        row = rows.setdefault(
            objective_id,
            {"objective": objectives[objective_id], "projected": 0, "realised": 0, "reviewed": 0, "use_cases": set()},
        )
        value, realised = by_case[case_id]
        row["use_cases"].add(case_id)
        row["projected"] += value
        if realised is not None:
            row["realised"] += realised
            row["reviewed"] += 1
    return sorted(rows.values(), key=lambda r: r["objective"].title)


def forecast_calibration(*, user, by: str = "business_unit") -> list[dict]:
    """For each business unit (or sponsor): realised over projected value on use cases already reviewed.
    A factor below 1 means that unit's projections ran high; prioritisation may discount by it."""
    field = {"business_unit": "business_unit__code", "sponsor": "sponsor__username"}[by]
    money = DecimalField(max_digits=16, decimal_places=2)
    rows = (
        use_case_list(user=user)
        .annotate(realised=Subquery(_latest_realised(), output_field=money))
        .filter(realised__isnull=False)
        .order_by()
        .values(field)
        .annotate(projected=Sum("estimated_value"), realised_total=Sum("realised"), cases=Count("pk"))
    )
    return [
        {
            "key": row[field] or "no sponsor",
            "projected": row["projected"],
            "realised": row["realised_total"],
            "cases": row["cases"],
            "factor": round(row["realised_total"] / row["projected"], 2) if row["projected"] else None,
        }
        for row in rows
    ]


def skills_coverage(*, use_case: UseCase) -> list[dict]:
    """For each skill the use case needs: who in its team (RACI responsible/accountable) holds it at the
    level needed, whether that is nobody (a gap), and whether a critical skill rests on one person."""
    team = set(use_case.raci.filter(role__in=["R", "A"]).values_list("person", flat=True))
    needs = list(use_case.skill_needs.select_related("skill"))
    holders = {}
    for entry in PersonSkill.objects.filter(skill__in=[n.skill_id for n in needs]).select_related("person"):
        holders.setdefault(entry.skill_id, []).append(entry)
    rows = []
    for need in needs:
        able = [h for h in holders.get(need.skill_id, []) if h.level >= need.level]
        in_team = [h.person for h in able if h.person_id in team]
        rows.append(
            {
                "need": need,
                "in_team": in_team,
                "gap": not in_team,
                "single_point": need.skill.critical and len(able) == 1,
            }
        )
    return rows


def calibration_factors(*, user) -> dict[str, Decimal]:
    """{business unit code: realised/projected} for units with reviewed use cases."""
    return {row["key"]: row["factor"] for row in forecast_calibration(user=user) if row["factor"] is not None}


def skills_register() -> list[dict]:
    """Each skill with its holders by level, and whether a critical skill rests on a single person."""
    holders: dict[int, list[PersonSkill]] = {}
    for entry in PersonSkill.objects.select_related("person", "skill").order_by("skill__name", "-level"):
        holders.setdefault(entry.skill_id, []).append(entry)
    return [
        {
            "skill": skill,
            "holders": holders.get(skill.pk, []),
            "single_point": skill.critical and len(holders.get(skill.pk, [])) <= 1,
        }
        for skill in Skill.objects.order_by("name")
    ]


def capability_tree() -> list[tuple[Capability, int]]:
    """Capabilities in tree order with their depth, and how many use cases support each (two queries)."""
    capabilities = list(Capability.objects.annotate(n_use_cases=Count("use_cases")).order_by("name"))
    children: dict[int | None, list[Capability]] = {}
    for capability in capabilities:
        children.setdefault(capability.parent_id, []).append(capability)
    ordered: list[tuple[Capability, int]] = []

    def walk(parent_id, depth):
        for capability in children.get(parent_id, []):
            ordered.append((capability, depth))
            walk(capability.pk, depth + 1)

    walk(None, 0)
    return ordered


# --- KPI alignment ---------------------------------------------------------------------------------

# A KPI is on track while its progress keeps up with the time elapsed towards its target date;
# these are the shares of the expected progress below which it is at risk, then off track.
ON_TRACK_SHARE = Decimal("0.9")
AT_RISK_SHARE = Decimal("0.6")


VERDICT_LABELS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track", "no_data": "No data"}


@dataclass
class KPIAlignment:
    kpi: KPI
    latest: Decimal | None
    latest_on: date | None
    progress: Decimal | None  # share of the way from baseline to target, 1 = target reached
    expected: Decimal  # share of the time from baseline date to target date already elapsed
    verdict: str  # on_track, at_risk, off_track, no_data
    trend: list[tuple[date, Decimal]]
    live_use_cases: set[int]  # ids: the dashboard counts their production models through lifecycle
    expected_contribution: Decimal

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


def kpi_verdict(*, kpi: KPI, latest: Decimal | None, on: date | None) -> tuple[Decimal | None, Decimal, str]:
    """Progress towards the target against the time elapsed: (progress, expected, verdict)."""
    span = (kpi.target_date - kpi.baseline_date).days
    elapsed = ((on or kpi.baseline_date) - kpi.baseline_date).days
    expected = min(Decimal(1), max(Decimal(0), Decimal(elapsed) / Decimal(span)))
    if latest is None or kpi.target == kpi.baseline:
        return None, expected, "no_data"
    progress = (latest - kpi.baseline) / (kpi.target - kpi.baseline)
    if progress >= 1 or progress >= expected * ON_TRACK_SHARE:
        return progress, expected, "on_track"
    if progress >= expected * AT_RISK_SHARE:
        return progress, expected, "at_risk"
    return progress, expected, "off_track"


def kpi_alignment(*, user, unit: BusinessUnit | None = None, objective: Objective | None = None, since: date):
    """Every KPI the user sees with its verdict, its trend since the date, and the live use cases that
    should move it with their expected contribution. Three queries whatever the number of KPIs."""
    kpis = kpi_list(user=user).filter(objective__is_active=True)
    if unit is not None:
        kpis = kpis.filter(Q(objective__business_unit=unit) | Q(objective__business_unit__isnull=True))
    if objective is not None:
        kpis = kpis.filter(objective=objective)
    kpis = list(kpis.order_by("objective__title", "name"))
    trends: dict[int, list] = {k.pk: [] for k in kpis}
    points = KPIMeasurement.objects.filter(kpi__in=kpis, measured_on__gte=since).order_by("measured_on")
    for kpi_id, on, value in points.values_list("kpi_id", "measured_on", "value"):
        trends[kpi_id].append((on, value))
    live = use_case_list(user=user).filter(status=UseCaseStatus.LIVE)
    if unit is not None:
        live = live.filter(business_unit=unit)
    links: dict[int, dict] = {}
    for kpi_id, case_id, expected in UseCaseObjective.objects.filter(kpi__in=kpis, use_case__in=live).values_list(
        "kpi_id", "use_case_id", "expected_contribution"
    ):
        found = links.setdefault(kpi_id, {"cases": set(), "expected": Decimal(0)})
        found["cases"].add(case_id)
        found["expected"] += expected or 0
    rows = []
    for kpi in kpis:
        if kpi.latest_value is not None:  # SQLite hands the subquery's decimal back unscaled
            kpi.latest_value = Decimal(kpi.latest_value).quantize(Decimal("0.0001"))
        progress, expected, verdict = kpi_verdict(kpi=kpi, latest=kpi.latest_value, on=kpi.latest_on)
        found = links.get(kpi.pk, {"cases": set(), "expected": Decimal(0)})
        rows.append(
            KPIAlignment(
                kpi=kpi,
                latest=kpi.latest_value,
                latest_on=kpi.latest_on,
                progress=progress,
                expected=expected,
                verdict=verdict,
                trend=trends[kpi.pk],
                live_use_cases=found["cases"],
                expected_contribution=found["expected"],
            )
        )
    return rows


def value_by_business_unit(*, user, unit: BusinessUnit | None = None) -> list[dict]:
    """Per business unit: projected annual value of its live use cases against the value their latest
    benefit reviews found. One grouped query."""
    money = DecimalField(max_digits=16, decimal_places=2)
    cases = use_case_list(user=user).filter(status__in=_REALISED_STATUSES)
    if unit is not None:
        cases = cases.filter(business_unit=unit)
    return list(
        cases.annotate(realised=Coalesce(Subquery(_latest_realised(), output_field=money), 0, output_field=money))
        .order_by("business_unit__code")
        .values("business_unit__code", "business_unit__name", "business_unit_id")
        .annotate(projected=Sum("estimated_value"), realised_total=Sum("realised"), cases=Count("pk"))
    )


def use_case_moves_by_quarter(*, user, since, unit: BusinessUnit | None = None) -> dict[tuple[str, str], int]:
    """{(quarter label, step): use cases} since the date, where a step is `proposed` (created) or the
    status a transition reached. Two grouped queries."""
    cases = use_case_list(user=user)
    if unit is not None:
        cases = cases.filter(business_unit=unit)
    counts: dict[tuple[str, str], int] = {}
    created = (
        cases.filter(created_at__gte=since)
        .annotate(quarter=TruncQuarter("created_at"))
        .order_by()
        .values_list("quarter")
        .annotate(n=Count("pk"))
    )
    for quarter, n in created:
        counts[(quarter_label(quarter), "proposed")] = n
    moves = (
        UseCaseTransition.objects.filter(use_case__in=cases, at__gte=since)
        .annotate(quarter=TruncQuarter("at"))
        .order_by()
        .values_list("quarter", "to_status")
        .annotate(n=Count("use_case", distinct=True))
    )
    for quarter, status, n in moves:
        counts[(quarter_label(quarter), status)] = n
    return counts


def use_cases_moved(cases, *, to=None, start=None, end=None) -> QuerySet[UseCase]:
    """The use cases with a transition to `to` (any status if None) at or after `start` and before `end`:
    the list behind a bar of the lifecycle chart."""
    moves = UseCaseTransition.objects.filter(**({"to_status": to} if to else {}))
    return cases.filter(pk__in=within(moves, "at", start, end).values("use_case"))


def use_cases_created(cases, *, start=None, end=None) -> QuerySet[UseCase]:
    """The use cases proposed (created) at or after `start` and before `end`."""
    return within(cases, "created_at", start, end)


# --- Program management -----------------------------------------------------------------------------

ACTIVE_STATUSES = ("proposed", "assessing", "approved", "in_delivery", "live")
# Realised value below this share of the projection puts a use case on the review agenda.
UNDER_DELIVERY_SHARE = Decimal("0.8")


def _in_unit(cases, unit):
    return cases if unit is None else cases.filter(business_unit=unit)


def benefits_by_use_case(*, user, unit: BusinessUnit | None = None) -> QuerySet[UseCase]:
    """Live and retired use cases with the value their latest benefit review found (`realised`, None when
    never reviewed) and its date, the biggest shortfall first."""
    money = DecimalField(max_digits=16, decimal_places=2)
    latest = BenefitReview.objects.filter(use_case=OuterRef("pk")).order_by("-reviewed_on", "-pk")
    return (
        _in_unit(use_case_list(user=user), unit)
        .filter(status__in=_REALISED_STATUSES)
        .annotate(
            realised=Subquery(latest.values("realised_value")[:1], output_field=money),
            reviewed_on=Subquery(latest.values("reviewed_on")[:1]),
        )
        .order_by((F("realised") - F("estimated_value")).asc(nulls_last=True), "number")
    )


def use_cases_missing_assessment(*, user, unit: BusinessUnit | None = None) -> QuerySet[UseCase]:
    """Active use cases whose risk has not been assessed yet, oldest first."""
    return (
        _in_unit(use_case_list(user=user), unit)
        .filter(risk_tier=RiskTier.UNASSESSED, status__in=ACTIVE_STATUSES)
        .order_by("created_at")
    )


def next_portfolio_review(*, today: date) -> PortfolioReview | None:
    return PortfolioReview.objects.filter(held_on__gte=today).order_by("held_on").first()


def stop_loss_breaches(*, user, unit: BusinessUnit | None = None) -> QuerySet[StopLoss]:
    """Stop-loss criteria missed for as many periods as allowed: the use case needs a decision."""
    return (
        StopLoss.objects.filter(use_case__in=_in_unit(use_case_list(user=user), unit))
        .filter(missed_periods__gte=F("periods_allowed"))
        .select_related("use_case", "kpi")
        .order_by("due_date")
    )


def awaiting_decision(*, user, unit: BusinessUnit | None = None) -> QuerySet[UseCase]:
    """Use cases assessed and waiting for the go/no-go of a portfolio review."""
    return _in_unit(use_case_list(user=user), unit).filter(status=UseCaseStatus.ASSESSING).order_by("number")


def membership_candidates(*, business_unit, query: str = "", limit: int | None = None):
    """Active people who are not members of the unit yet, by name; `query` finds them by name, username or email."""
    from django.contrib.auth import get_user_model

    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(business_unit_memberships__business_unit=business_unit)
        .order_by("last_name", "first_name", "username")
    )
    for word in query.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return people[:limit] if limit else people

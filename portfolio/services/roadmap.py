"""Planning: teams, waves and their capacity, roadmap items, dependencies, agreements."""

from datetime import date

from django.db import transaction
from django.db.models import Q

from audit import services as audit
from core.exceptions import ApplicationError, Conflict
from core.permissions import require, require_model_perm
from portfolio.choices import UseCaseStatus
from portfolio.models import (
    Agreement,
    BusinessUnit,
    Dependency,
    RoadmapEffort,
    RoadmapItem,
    Team,
    UseCase,
    Wave,
    WaveCapacity,
)
from portfolio.services.base import snapshot, validate

# Only use cases decided on go on the roadmap.
PLANNABLE = {UseCaseStatus.APPROVED, UseCaseStatus.IN_DELIVERY}


@transaction.atomic
def team_create(*, actor, name: str, business_unit: BusinessUnit | None = None) -> Team:
    require_model_perm(actor, Team, "add")
    team = Team(name=name.strip(), business_unit=business_unit)
    validate(team)
    team.save()
    audit.record(actor=actor, action="team.created", target=team, after=snapshot(team, ("name", "business_unit")))
    return team


# What the edit pages (and the services behind them) may change; anything else is refused by name.
TEAM_FIELDS = ("name", "business_unit")
WAVE_FIELDS = ("name", "start", "end")


def _only(changes: dict, allowed: tuple[str, ...], what: str) -> None:
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise ApplicationError(
            f"{refused[0]}: a {what} cannot change this here.", details={field: ["Not editable."] for field in refused}
        )


@transaction.atomic
def team_update(*, actor, team: Team, **changes) -> Team:
    """Rename a team or move it to another unit (or make it shared); its capacity and plans stay."""
    _only(changes, TEAM_FIELDS, "team")
    team = Team.objects.select_for_update().get(pk=team.pk)
    require(actor, "change", team)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    before = snapshot(team, changes)
    for field, value in changes.items():
        setattr(team, field, value)
    validate(team)
    team.save()
    audit.record(actor=actor, action="team.updated", target=team, before=before, after=snapshot(team, changes))
    return team


def _capacities(wave: Wave) -> dict[str, int]:
    return {c.team.name: c.person_days for c in wave.capacities.select_related("team")}


def _check_wave_dates(start: date, end: date) -> None:
    if start and end and end <= start:
        raise ApplicationError(
            f"end: the wave must end after it starts ({start}).", details={"end": ["Must be after the start."]}
        )


@transaction.atomic
def wave_update(*, actor, wave: Wave, capacities: dict[Team, int] | None = None, reason: str = "", **changes) -> Wave:
    """Rename a wave, move its dates, and set each named team's capacity in it. Dates that would leave planned
    use cases outside the wave are refused: re-plan those first."""
    _only(changes, WAVE_FIELDS, "wave")
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    require(actor, "change", wave)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    before = {**snapshot(wave, changes), "capacities": _capacities(wave)}
    for field, value in changes.items():
        setattr(wave, field, value)
    _check_wave_dates(wave.start, wave.end)
    outside = wave.items.filter(Q(planned_start__lt=wave.start) | Q(planned_end__gt=wave.end)).count()
    if outside:
        raise Conflict(
            f"start: {outside} planned use case(s) would fall outside {wave.start} to {wave.end}; re-plan them on "
            "the roadmap first, or keep the dates.",
            details={"start": ["Planned use cases fall outside."], "end": ["Planned use cases fall outside."]},
        )
    _save_wave(wave, capacities)
    audit.record(
        actor=actor,
        action="wave.updated",
        target=wave,
        reason=reason,
        before=before,
        after={**snapshot(wave, changes), "capacities": _capacities(wave)},
    )
    return wave


@transaction.atomic
def wave_create(*, actor, name: str, start: date, end: date, capacities: dict[Team, int] | None = None) -> Wave:
    """A planning wave and each team's capacity in it (person-days)."""
    require_model_perm(actor, Wave, "add")
    wave = Wave(name=name.strip(), start=start, end=end)
    _check_wave_dates(start, end)
    _save_wave(wave, capacities)
    audit.record(
        actor=actor,
        action="wave.created",
        target=wave,
        after={
            **snapshot(wave, ("name", "start", "end")),
            "capacities": {t.name: d for t, d in (capacities or {}).items()},
        },
    )
    return wave


def _save_wave(wave: Wave, capacities: dict[Team, int] | None) -> None:
    validate(wave)
    wave.save()
    for team, days in (capacities or {}).items():
        _set_capacity(wave, team, days)


def _set_capacity(wave: Wave, team: Team, days: int) -> None:
    if not isinstance(days, int) or days < 0:
        raise ApplicationError(
            f"capacity: {team} needs a whole number of person-days of 0 or more, not {days!r}.",
            details={"capacities": ["Whole person-days, 0 or more."]},
        )
    WaveCapacity.objects.update_or_create(wave=wave, team=team, defaults={"person_days": days})


@transaction.atomic
def wave_set_capacity(*, actor, wave: Wave, team: Team, person_days: int) -> WaveCapacity:
    require(actor, "change", wave)
    before = WaveCapacity.objects.filter(wave=wave, team=team).values_list("person_days", flat=True).first()
    _set_capacity(wave, team, person_days)
    audit.record(
        actor=actor, action="wave.capacity_set", target=wave, before={team.name: before}, after={team.name: person_days}
    )
    return WaveCapacity.objects.get(wave=wave, team=team)


@transaction.atomic
def roadmap_plan(
    *,
    actor,
    use_case: UseCase,
    wave: Wave,
    planned_start: date,
    planned_end: date,
    efforts: dict[Team, int],
) -> RoadmapItem:
    """Plan (or re-plan) an approved use case in a wave, with the effort each team puts in."""
    require(actor, "change", use_case)
    if use_case.status not in PLANNABLE:
        raise Conflict(
            f"{use_case.code} is {use_case.get_status_display().lower()}: only approved use cases and "
            "those in delivery go on the roadmap.",
            details={"use_case": ["Not approved."]},
        )
    if planned_end < planned_start:
        raise ApplicationError(
            "planned_end: the planned end cannot come before the planned start.",
            details={"planned_end": ["Before the planned start."]},
        )
    if planned_start < wave.start or planned_end > wave.end:
        raise ApplicationError(
            f"planned_start: {planned_start} to {planned_end} does not fit in {wave} ({wave.start} to {wave.end}).",
            details={"planned_start": ["Outside the wave."]},
        )
    for team, days in efforts.items():
        if not isinstance(days, int) or days < 1:
            raise ApplicationError(
                f"efforts: {team} needs a whole number of person-days of 1 or more, not {days!r}.",
                details={"efforts": ["Whole person-days, 1 or more."]},
            )
    existing = RoadmapItem.objects.select_for_update().filter(use_case=use_case).first()
    before = (
        {
            **snapshot(existing, ("wave", "planned_start", "planned_end")),
            "efforts": {e.team.name: e.person_days for e in existing.efforts.select_related("team")},
        }
        if existing
        else {}
    )
    item = existing or RoadmapItem(use_case=use_case)
    item.wave, item.planned_start, item.planned_end = wave, planned_start, planned_end
    validate(item)
    item.save()
    item.efforts.all().delete()
    RoadmapEffort.objects.bulk_create(RoadmapEffort(item=item, team=t, person_days=d) for t, d in efforts.items())
    audit.record(
        actor=actor,
        action="roadmap.planned",
        target=use_case,
        before=before,
        after={
            **snapshot(item, ("wave", "planned_start", "planned_end")),
            "efforts": {t.name: d for t, d in efforts.items()},
        },
    )
    return item


def _reaches(start: UseCase, target: UseCase) -> bool:
    """Whether `target` is reachable from `start` by following dependencies (one query per level)."""
    frontier, seen = {start.pk}, set()
    while frontier:
        if target.pk in frontier:
            return True
        seen |= frontier
        frontier = (
            set(Dependency.objects.filter(use_case_id__in=frontier).values_list("depends_on_id", flat=True)) - seen
        )
    return False


@transaction.atomic
def dependency_add(*, actor, use_case: UseCase, depends_on: UseCase, note: str = "") -> Dependency:
    """Record that `use_case` needs `depends_on` first; a cycle is refused with the loop named."""
    require(actor, "change", use_case)
    require(actor, "view", depends_on)
    if use_case.pk == depends_on.pk:
        raise ApplicationError(
            "depends_on: a use case cannot depend on itself.", details={"depends_on": ["Same use case."]}
        )
    if _reaches(depends_on, use_case):
        raise ApplicationError(
            f"depends_on: {depends_on.code} already depends, directly or not, on {use_case.code}; "
            "this dependency would make a cycle.",
            details={"depends_on": ["Would make a cycle."]},
        )
    dependency, created = Dependency.objects.get_or_create(
        use_case=use_case, depends_on=depends_on, defaults={"note": note}
    )
    if created:
        audit.record(
            actor=actor,
            action="use_case.dependency_added",
            target=use_case,
            after={"depends_on": f"{depends_on} (#{depends_on.pk})", "note": note},
        )
    return dependency


@transaction.atomic
def agreement_create(
    *,
    actor,
    title: str,
    provider: BusinessUnit,
    consumer: BusinessUnit,
    due_date: date,
    owner=None,
    kind: str = Agreement.Kind.DATA_ACCESS,
    use_case: UseCase | None = None,
) -> Agreement:
    """An agreement the plan relies on; the consuming unit records it."""
    require_model_perm(actor, Agreement, "add", business_unit=consumer)
    _check_agreement_parties(provider, consumer)
    agreement = Agreement(
        title=title,
        kind=kind,
        provider=provider,
        consumer=consumer,
        due_date=due_date,
        owner=owner or actor,
        use_case=use_case,
    )
    validate(agreement)
    agreement.save()
    audit.record(
        actor=actor,
        action="agreement.created",
        target=agreement,
        after=snapshot(agreement, ("title", "kind", "provider", "consumer", "due_date", "owner", "use_case")),
    )
    return agreement


AGREEMENT_FIELDS = ("title", "kind", "provider", "consumer", "due_date", "owner", "use_case")


def _check_agreement_parties(provider: BusinessUnit, consumer: BusinessUnit) -> None:
    if provider.pk == consumer.pk:
        raise ApplicationError(
            "provider: an agreement is between two different business units.",
            details={"provider": ["Same unit as the consumer."]},
        )


@transaction.atomic
def agreement_update(*, actor, agreement: Agreement, reason: str = "", **changes) -> Agreement:
    """Correct an agreement's terms (title, kind, parties, due date, owner, use case) under the create's rules;
    its status changes through `agreement_set_status`. Moving it to another consuming unit needs the right there."""
    _only(changes, AGREEMENT_FIELDS, "agreement")
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    require(actor, "change", agreement)
    consumer = changes.get("consumer", agreement.consumer)
    if consumer.pk != agreement.consumer_id:
        require_model_perm(actor, Agreement, "change", business_unit=consumer)
    use_case = changes.get("use_case", agreement.use_case)
    if use_case is not None and "use_case" in changes:
        require(actor, "view", use_case)
    before = snapshot(agreement, changes)
    for field, value in changes.items():
        setattr(agreement, field, value)
    _check_agreement_parties(agreement.provider, agreement.consumer)
    validate(agreement)
    agreement.save()
    audit.record(
        actor=actor,
        action="agreement.updated",
        target=agreement,
        reason=reason,
        before=before,
        after=snapshot(agreement, changes),
    )
    return agreement


@transaction.atomic
def agreement_set_status(*, actor, agreement: Agreement, status: str, reason: str = "") -> Agreement:
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    require(actor, "change", agreement)
    if status not in Agreement.Status.values:
        raise ApplicationError(
            f"status: use one of {', '.join(Agreement.Status.values)}.", details={"status": ["Unknown status."]}
        )
    before = agreement.status
    agreement.status = status
    agreement.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="agreement.status_set",
        target=agreement,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )
    return agreement


@transaction.atomic
def roadmap_unplan(*, actor, item: RoadmapItem, reason: str) -> None:
    """Take a use case off the roadmap (it stays approved); audited with the plan it had."""
    require(actor, "change", item.use_case)
    audit.record(
        actor=actor,
        action="roadmap.unplanned",
        target=item.use_case,
        reason=reason,
        before={
            **snapshot(item, ("wave", "planned_start", "planned_end")),
            "efforts": {e.team.name: e.person_days for e in item.efforts.select_related("team")},
        },
    )
    item.efforts.all().delete()
    item.delete()


def _shift_into(item: RoadmapItem, wave: Wave) -> tuple[date, date]:
    """The item's dates moved into another wave: same offset and duration, clipped to the wave."""
    duration = item.planned_end - item.planned_start
    start = min(wave.start + (item.planned_start - item.wave.start), wave.end)
    return start, min(start + duration, wave.end)


@transaction.atomic
def roadmap_apply_recommendation(*, actor, use_cases, budget=None) -> int:
    """Recompute the recommended plan for what the actor may see and apply it; returns the moves made."""
    from portfolio.planning import recommend_plan

    proposal = recommend_plan(use_cases=use_cases, budget=budget)
    if not proposal.solved:
        raise Conflict(proposal.message)
    waves = {wave.pk: wave for wave in Wave.objects.all()}
    items = RoadmapItem.objects.filter(pk__in=proposal.assignment).select_related("use_case", "wave")
    moves = 0
    for item in items:
        target = proposal.assignment[item.pk]
        if target == item.wave_id:
            continue
        moves += 1
        if target is None:
            roadmap_unplan(actor=actor, item=item, reason="Recommended plan applied: left out.")
            continue
        start, end = _shift_into(item, waves[target])
        efforts = {e.team: e.person_days for e in item.efforts.select_related("team")}
        roadmap_plan(
            actor=actor,
            use_case=item.use_case,
            wave=waves[target],
            planned_start=start,
            planned_end=end,
            efforts=efforts,
        )
    audit.record(
        actor=actor,
        action="roadmap.recommendation_applied",
        after={"moves": moves, "budget": budget},
        reason=proposal.message,
    )
    return moves

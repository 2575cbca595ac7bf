"""Delivering a use case: change actions, go-live readiness, stop-loss, benefits, skills."""

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, require_text
from core.permissions import require, require_model_perm
from notifications.services import notify
from portfolio.choices import UseCaseStatus
from portfolio.models import (
    KPI,
    READINESS_ITEMS,
    BenefitReview,
    ChangeAction,
    PersonSkill,
    ReadinessCheck,
    Skill,
    SkillNeed,
    StopLoss,
    UseCase,
)
from portfolio.services.base import snapshot, validate
from portfolio.services.use_cases import readiness_missing  # noqa: F401 (re-exported)

# --- Change impact and readiness ----------------------------------------------------------------------


@transaction.atomic
def change_action_add(
    *,
    actor,
    use_case: UseCase,
    kind: str,
    description: str,
    owner,
    due_date: date,
    headcount_affected: int | None = None,
) -> ChangeAction:
    require(actor, "change", use_case)
    action = ChangeAction(
        use_case=use_case,
        kind=kind,
        description=description.strip(),
        owner=owner,
        due_date=due_date,
        headcount_affected=headcount_affected,
    )
    validate(action)
    action.save()
    audit.record(
        actor=actor,
        action="use_case.change_action_added",
        target=use_case,
        after=snapshot(action, ("kind", "description", "owner", "due_date", "headcount_affected")),
    )
    return action


@transaction.atomic
def change_action_complete(*, actor, action: ChangeAction) -> ChangeAction:
    require(actor, "change", action.use_case)
    if not action.done:
        action.done = True
        action.save(update_fields=["done", "updated_at"])
        audit.record(
            actor=actor,
            action="use_case.change_action_done",
            target=action.use_case,
            after={"action": f"{action.get_kind_display()}: {action.description[:80]}"},
        )
    return action


@transaction.atomic
def readiness_check(*, actor, use_case: UseCase, item: str, evidence: str) -> ReadinessCheck:
    """Tick one go-live readiness item with its evidence (a use case goes live only with all ticked)."""
    require(actor, "change", use_case)
    if item not in dict(READINESS_ITEMS):
        raise ApplicationError(
            f"item: use one of {', '.join(dict(READINESS_ITEMS))}.", details={"item": ["Unknown item."]}
        )
    require_text(evidence, field="evidence", hint="say what shows it is done (minutes, attendance, a link).")
    check, _ = ReadinessCheck.objects.update_or_create(
        use_case=use_case, item=item, defaults={"evidence": evidence.strip(), "checked_by": actor}
    )
    audit.record(
        actor=actor,
        action="use_case.readiness_checked",
        target=use_case,
        after={dict(READINESS_ITEMS)[item]: evidence.strip()},
    )
    return check


# --- Stop-loss ----------------------------------------------------------------------------------------


@transaction.atomic
def stop_loss_set(
    *,
    actor,
    use_case: UseCase,
    measure: str,
    threshold: Decimal,
    due_date: date,
    kpi: KPI | None = None,
    periods_allowed: int = 2,
) -> StopLoss:
    """The level the use case must reach by a date, set at intake; changing it later is audited."""
    require(actor, "change", use_case)
    if measure == StopLoss.Measure.KPI and kpi is None:
        raise ApplicationError("kpi: a KPI stop-loss names the KPI.", details={"kpi": ["Required."]})
    existing = StopLoss.objects.filter(use_case=use_case).first()
    before = snapshot(existing, ("measure", "kpi", "threshold", "due_date", "periods_allowed")) if existing else {}
    stop_loss = existing or StopLoss(use_case=use_case)
    stop_loss.measure, stop_loss.kpi, stop_loss.threshold = measure, kpi, threshold
    stop_loss.due_date, stop_loss.periods_allowed = due_date, periods_allowed
    validate(stop_loss)
    stop_loss.save()
    audit.record(
        actor=actor,
        action="use_case.stop_loss_set",
        target=use_case,
        before=before,
        after=snapshot(stop_loss, ("measure", "kpi", "threshold", "due_date", "periods_allowed")),
    )
    return stop_loss


def stop_loss_status(stop_loss: StopLoss, *, today: date | None = None) -> tuple[str, Decimal | None]:
    """("pending" | "met" | "missed" | "no data", the value it was judged on)."""
    today = today or timezone.localdate()
    if stop_loss.measure == StopLoss.Measure.KPI:
        latest = stop_loss.kpi.measurements.order_by("-measured_on").first()
        value = latest.value if latest else None
        met = value is not None and (
            value >= stop_loss.threshold if stop_loss.kpi.direction == "higher" else value <= stop_loss.threshold
        )
    else:
        review = stop_loss.use_case.benefit_reviews.order_by("-reviewed_on").first()
        value = review.realised_value if review else None
        met = value is not None and value >= stop_loss.threshold
    if met:
        return "met", value
    if today < stop_loss.due_date:
        return "pending", value
    return ("missed" if value is not None else "no data"), value


@transaction.atomic
def stop_loss_check(*, stop_loss: StopLoss, today: date | None = None) -> StopLoss:
    """Once a month after its due date, a stop-loss still missed counts one more missed period; when the
    periods allowed are used up, a decommissioning review is asked of the owner, the sponsor and the program
    managers (the next portfolio review lists it). A criterion met again starts counting from zero."""
    today = today or timezone.localdate()
    stop_loss = StopLoss.objects.select_for_update(of=("self",)).select_related("use_case", "kpi").get(pk=stop_loss.pk)
    status, value = stop_loss_status(stop_loss, today=today)
    before = snapshot(stop_loss, ("missed_periods", "last_counted_period"))
    period = f"{today:%Y-%m}"
    if status == "met" and stop_loss.missed_periods:
        stop_loss.missed_periods, stop_loss.last_counted_period, stop_loss.review_requested_at = 0, "", None
    elif status in ("missed", "no data") and stop_loss.last_counted_period != period:
        stop_loss.missed_periods += 1
        stop_loss.last_counted_period = period
    else:
        return stop_loss
    stop_loss.save()
    audit.record(
        actor=None,
        action="stop_loss.checked",
        target=stop_loss.use_case,
        before=before,
        after={**snapshot(stop_loss, ("missed_periods", "last_counted_period")), "value": value},
    )
    if stop_loss.missed_periods >= stop_loss.periods_allowed and stop_loss.review_requested_at is None:
        _ask_for_decommissioning_review(stop_loss, value)
    return stop_loss


def _ask_for_decommissioning_review(stop_loss: StopLoss, value) -> None:
    case = stop_loss.use_case
    stop_loss.review_requested_at = timezone.now()
    stop_loss.save(update_fields=["review_requested_at", "updated_at"])
    # The use case's owner and sponsor, and the program managers of its unit.
    unit_managers = Q(
        groups__permissions__codename="change_usecase", business_unit_memberships__business_unit=case.business_unit_id
    )
    managers = get_user_model().objects.filter(
        unit_managers | Q(pk__in=[case.owner_id, case.sponsor_id]), is_active=True
    )
    managers = managers.distinct()
    measured = "no value yet" if value is None else f"last value {value}"
    notify(
        recipients=list(managers),
        subject=f"{case.code}: stop-loss missed {stop_loss.missed_periods} times, a decommissioning review is due",
        body=f"{case.code} {case.title} promised {stop_loss.get_measure_display().lower()} of at least "
        f"{stop_loss.threshold} by {stop_loss.due_date:%Y-%m-%d} ({measured}). The {stop_loss.periods_allowed} "
        "missed periods allowed are used up: decide at the next portfolio review whether to retire it.",
        url=f"/portfolio/use-cases/{case.pk}/",
        category="stop_loss",
        about=case,
    )
    audit.record(
        actor=None, action="stop_loss.review_requested", target=case, after={"missed": stop_loss.missed_periods}
    )


# --- Benefits -----------------------------------------------------------------------------------------


@transaction.atomic
def benefit_review_record(
    *,
    actor,
    use_case: UseCase,
    reviewed_on: date,
    realised_value: Decimal,
    findings: str,
    kpi: KPI | None = None,
    kpi_movement: Decimal | None = None,
) -> BenefitReview:
    """Post-implementation review: what a live use case actually delivers against what it projected."""
    require(actor, "change", use_case)
    if use_case.status not in (UseCaseStatus.LIVE, UseCaseStatus.RETIRED):
        raise Conflict(
            f"{use_case.code} is {use_case.get_status_display().lower()}: benefits are reviewed once it is live.",
            details={"use_case": ["Not live."]},
        )
    if (kpi is None) != (kpi_movement is None):
        raise ApplicationError(
            "kpi_movement: give the KPI and its observed movement together.",
            details={"kpi_movement": ["Needs the KPI too."]},
        )
    require_text(findings, field="findings", hint="summarise what the review found.")
    review = BenefitReview(
        use_case=use_case,
        reviewed_on=reviewed_on,
        realised_value=realised_value,
        findings=findings.strip(),
        kpi=kpi,
        kpi_movement=kpi_movement,
        reviewer=actor,
    )
    validate(review)
    review.save()
    audit.record(
        actor=actor,
        action="use_case.benefits_reviewed",
        target=use_case,
        after={"projected": use_case.estimated_value, "realised": realised_value, "reviewed_on": reviewed_on},
    )
    return review


# --- Skills -------------------------------------------------------------------------------------------


def _level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise ApplicationError(
            f"level: give a whole number from 1 to 5, not {level!r}.", details={"level": ["1 to 5."]}
        )
    return level


@transaction.atomic
def skill_create(*, actor, name: str, critical: bool = False) -> Skill:
    require_model_perm(actor, Skill, "add")
    skill = Skill(name=name.strip(), critical=critical)
    validate(skill)
    skill.save()
    audit.record(
        actor=actor, action="skills.skill_created", target=skill, after={"name": skill.name, "critical": critical}
    )
    return skill


@transaction.atomic
def person_skill_set(*, actor, person, skill: Skill, level: int) -> PersonSkill:
    require_model_perm(actor, PersonSkill, "add")
    entry, _ = PersonSkill.objects.update_or_create(person=person, skill=skill, defaults={"level": _level(level)})
    audit.record(actor=actor, action="skills.person_skill_set", target=person, after={skill.name: level})
    return entry


@transaction.atomic
def skill_need_set(*, actor, use_case: UseCase, skill: Skill, level: int) -> SkillNeed:
    require(actor, "change", use_case)
    need, _ = SkillNeed.objects.update_or_create(use_case=use_case, skill=skill, defaults={"level": _level(level)})
    audit.record(actor=actor, action="use_case.skill_needed", target=use_case, after={skill.name: level})
    return need

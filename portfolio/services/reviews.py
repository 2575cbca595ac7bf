"""RACI, strategic assumptions and quarterly portfolio reviews. Review decisions are applied through the
use-case services, so the workflow, permissions and audit apply to them as to any other change."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, require_text
from core.permissions import require, require_model_perm
from portfolio.choices import NEXT_STATUSES, UseCaseStatus
from portfolio.models import (
    Assumption,
    BusinessUnit,
    Objective,
    PortfolioReview,
    RaciRole,
    ReviewDecision,
    UseCase,
    UseCaseRaci,
)
from portfolio.services.base import snapshot, validate
from portfolio.services.use_cases import use_case_transition, use_case_update

# --- RACI ---------------------------------------------------------------------------------------------


@transaction.atomic
def raci_assign(*, actor, use_case: UseCase, person, role: str) -> UseCaseRaci:
    """Give a person a RACI role on a use case; naming a new accountable person replaces the previous one."""
    require(actor, "change", use_case)
    if role not in RaciRole.values:
        raise ApplicationError(
            f"role: use one of {', '.join(RaciRole.values)} (responsible, accountable, consulted, informed).",
            details={"role": ["Unknown role."]},
        )
    before = {}
    if role == RaciRole.ACCOUNTABLE:
        previous = UseCaseRaci.objects.select_for_update().filter(use_case=use_case, role=role).first()
        if previous and previous.person_id != person.pk:
            before = {"accountable": previous.person.get_username()}
            previous.delete()
    entry, _ = UseCaseRaci.objects.get_or_create(use_case=use_case, person=person, role=role)
    audit.record(
        actor=actor,
        action="use_case.raci_assigned",
        target=use_case,
        before=before,
        after={RaciRole(role).label.lower(): person.get_username()},
    )
    return entry


@transaction.atomic
def raci_remove(*, actor, entry: UseCaseRaci) -> None:
    require(actor, "change", entry.use_case)
    audit.record(
        actor=actor,
        action="use_case.raci_removed",
        target=entry.use_case,
        before={RaciRole(entry.role).label.lower(): entry.person.get_username()},
    )
    entry.delete()


# --- Assumptions --------------------------------------------------------------------------------------


@transaction.atomic
def assumption_create(
    *,
    actor,
    statement: str,
    review_date: date,
    owner=None,
    business_unit: BusinessUnit | None = None,
    objective: Objective | None = None,
    use_case: UseCase | None = None,
) -> Assumption:
    """A strategic assumption with the date it must be checked again."""
    require_model_perm(actor, Assumption, "add", business_unit=business_unit)
    if use_case is not None:
        require(actor, "view", use_case)
    assumption = Assumption(
        statement=statement.strip(),
        review_date=review_date,
        owner=owner or actor,
        business_unit=business_unit,
        objective=objective,
        use_case=use_case,
    )
    validate(assumption)
    assumption.save()
    audit.record(
        actor=actor,
        action="assumption.created",
        target=assumption,
        after=snapshot(assumption, ("statement", "review_date", "owner", "business_unit", "objective", "use_case")),
    )
    return assumption


@transaction.atomic
def assumption_review(
    *, actor, assumption: Assumption, status: str, note: str, next_review_date: date | None = None
) -> Assumption:
    """Record that an assumption was checked: still holding (with the next date), invalidated or retired."""
    assumption = Assumption.objects.select_for_update().get(pk=assumption.pk)
    require(actor, "change", assumption)
    if status not in Assumption.Status.values:
        raise ApplicationError(
            f"status: use one of {', '.join(Assumption.Status.values)}.", details={"status": ["Unknown status."]}
        )
    require_text(note, field="note", hint="say what the check found.")
    if status == Assumption.Status.HOLDING:
        if next_review_date is None or next_review_date <= timezone.localdate():
            raise ApplicationError(
                "next_review_date: an assumption that still holds needs a future date to be checked again.",
                details={"next_review_date": ["A future date."]},
            )
        assumption.review_date = next_review_date
    before = snapshot(assumption, ("status", "review_date"))
    assumption.status, assumption.last_note = status, note.strip()
    assumption.save()
    audit.record(
        actor=actor,
        action="assumption.reviewed",
        target=assumption,
        before=before,
        after=snapshot(assumption, ("status", "review_date")),
        reason=note.strip(),
    )
    return assumption


# --- Quarterly reviews --------------------------------------------------------------------------------


@transaction.atomic
def portfolio_review_create(
    *, actor, title: str, quarter: str, held_on: date, attendees=(), notes: str = ""
) -> PortfolioReview:
    require_model_perm(actor, PortfolioReview, "add")
    review = PortfolioReview(title=title, quarter=quarter.strip().upper(), held_on=held_on, notes=notes)
    validate(review)
    review.save()
    review.attendees.set(attendees)
    audit.record(
        actor=actor,
        action="portfolio_review.created",
        target=review,
        after={
            **snapshot(review, ("title", "quarter", "held_on")),
            "attendees": sorted(a.get_username() for a in attendees),
        },
    )
    return review


def _retire_target(use_case: UseCase) -> str:
    allowed = NEXT_STATUSES[use_case.status]
    for status in (UseCaseStatus.RETIRED, UseCaseStatus.REJECTED):
        if status in allowed:
            return status
    raise Conflict(
        f"{use_case.code} is {use_case.get_status_display().lower()} and cannot be retired.",
        details={"decision": ["Not possible from this status."]},
    )


@transaction.atomic
def review_decide(
    *,
    actor,
    review: PortfolioReview,
    use_case: UseCase,
    decision: str,
    notes: str,
    budget_innovation: Decimal | None = None,
    budget_tech_debt: Decimal | None = None,
) -> ReviewDecision:
    """Record a review's decision on a use case and apply it: pause and retire move the workflow,
    reallocation changes the budget. Either all of it happens, or none."""
    require(actor, "change", use_case)
    if decision not in ReviewDecision.Decision.values:
        raise ApplicationError(
            f"decision: use one of {', '.join(ReviewDecision.Decision.values)}.",
            details={"decision": ["Unknown decision."]},
        )
    require_text(notes, field="notes", hint="record why the review decided this.")
    if ReviewDecision.objects.filter(review=review, use_case=use_case).exists():
        raise Conflict(f"{review} already decided on {use_case.code}.", details={"use_case": ["Already decided."]})
    reason = f"{review}: {notes.strip()}"
    if decision == ReviewDecision.Decision.PAUSE:
        use_case_transition(actor=actor, use_case=use_case, to_status=UseCaseStatus.PAUSED, reason=reason)
    elif decision == ReviewDecision.Decision.RETIRE:
        use_case_transition(actor=actor, use_case=use_case, to_status=_retire_target(use_case), reason=reason)
    elif decision == ReviewDecision.Decision.REALLOCATE:
        budget = {
            k: v
            for k, v in (("budget_innovation", budget_innovation), ("budget_tech_debt", budget_tech_debt))
            if v is not None
        }
        if not budget:
            raise ApplicationError(
                "budget_innovation: a reallocation gives the new innovation or technical-debt budget.",
                details={"budget_innovation": ["Required."]},
            )
        use_case_update(actor=actor, use_case=use_case, reason=reason, **budget)
    entry = ReviewDecision(
        review=review,
        use_case=use_case,
        decision=decision,
        notes=notes.strip(),
        budget_innovation=budget_innovation,
        budget_tech_debt=budget_tech_debt,
        decided_by=actor,
    )
    validate(entry)
    entry.save()
    audit.record(
        actor=actor,
        action="portfolio_review.decided",
        target=use_case,
        reason=reason,
        after={"review": str(review), "decision": decision},
    )
    return entry

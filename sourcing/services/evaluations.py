"""Technology evaluations beside vendors: tools and platforms evaluated (build or buy, open source or
commercial, cost against benefit, lock-in), their sandbox trials, the decision taken, and the approved
standards and reference architectures that follow. Every write is checked, validated and audited."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, as_date, require_text
from portfolio.services.base import snapshot, validate
from sourcing.choices import (
    BuildOrBuy,
    EvaluationDecision,
    EvaluationStatus,
    LicenceModel,
    LockInRisk,
    StandardKind,
    StandardStatus,
    TechnologyCategory,
    TrialOutcome,
)
from sourcing.models import ApprovedStandard, SandboxTrial, TechnologyEvaluation, Vendor

MANAGE_PERM = "sourcing.manage_evaluation"
DECIDE_PERM = "sourcing.decide_evaluation"
APPROVE_STANDARD_PERM = "sourcing.approve_standard"

EVALUATION_FIELDS = (
    "name",
    "category",
    "vendor",
    "summary",
    "build_or_buy",
    "licence_model",
    "one_off_cost",
    "annual_cost",
    "annual_benefit",
    "lock_in_risk",
    "lock_in_notes",
    "owner",
)
AMOUNT_FIELDS = ("one_off_cost", "annual_cost", "annual_benefit")
CHOICE_FIELDS = {
    "category": TechnologyCategory,
    "build_or_buy": BuildOrBuy,
    "licence_model": LicenceModel,
    "lock_in_risk": LockInRisk,
}
STANDARD_FIELDS = ("description", "link", "review_date")


# --- Shared checks -------------------------------------------------------------------------------------------


def _amount(value, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise ApplicationError(f"{field}: give an amount of zero or more.", details={field: ["Invalid amount."]})
    return amount.quantize(Decimal("0.01"))


def _choice(value, choices, *, field: str) -> str:
    if value not in choices.values:
        raise ApplicationError(
            f"{field}: use one of {', '.join(choices.values)}.", details={field: ["Unknown choice."]}
        )
    return value


def _require(actor, perm: str, message: str) -> None:
    if not (actor and actor.is_active and actor.has_perm(perm)):
        raise NotAllowed(message)


# --- Evaluations -------------------------------------------------------------------------------------------


def _evaluation_state(evaluation: TechnologyEvaluation) -> dict:
    return snapshot(evaluation, (*EVALUATION_FIELDS, "status", "decision"))


def _evaluation_fields(fields: dict) -> dict:
    unknown = sorted(set(fields) - set(EVALUATION_FIELDS))
    if unknown:
        raise ApplicationError(
            f"Unknown evaluation fields: {', '.join(unknown)}.", details=dict.fromkeys(unknown, ["Unknown."])
        )
    clean = dict(fields)
    if "name" in clean:
        clean["name"] = require_text(clean["name"], field="name", hint="name the tool or platform evaluated.")
    for field in AMOUNT_FIELDS:
        if field in clean:
            clean[field] = _amount(clean[field], field=field)
    for field, choices in CHOICE_FIELDS.items():
        if field in clean:
            clean[field] = _choice(clean[field], choices, field=field)
    for field in ("summary", "lock_in_notes"):
        if field in clean and clean[field] is None:
            clean[field] = ""
    if "vendor" in clean and clean["vendor"] is not None and not isinstance(clean["vendor"], Vendor):
        raise ApplicationError("vendor: pick a recorded vendor.", details={"vendor": ["Unknown vendor."]})
    if "owner" in clean and (clean["owner"] is None or not clean["owner"].is_active):
        raise ApplicationError("owner: pick an active person to own the evaluation.", details={"owner": ["Inactive."]})
    return clean


@transaction.atomic
def evaluation_create(*, actor, **fields) -> TechnologyEvaluation:
    """Propose the evaluation of a tool or platform; the actor owns it unless an owner is named."""
    _require(actor, MANAGE_PERM, "Only data scientists, platform admins and the review board record evaluations.")
    clean = _evaluation_fields({"owner": actor, **fields})
    if "name" not in clean:
        raise ApplicationError("name: name the tool or platform evaluated.", details={"name": ["Required."]})
    evaluation = TechnologyEvaluation(**clean)
    validate(evaluation)
    evaluation.save()
    audit.record(actor=actor, action="evaluation.created", target=evaluation, after=_evaluation_state(evaluation))
    return evaluation


def _locked_evaluation(evaluation: TechnologyEvaluation) -> TechnologyEvaluation:
    return TechnologyEvaluation.objects.select_for_update().get(pk=evaluation.pk)


@transaction.atomic
def evaluation_update(*, actor, evaluation: TechnologyEvaluation, **fields) -> TechnologyEvaluation:
    """Correct what an undecided evaluation says (costs, lock-in, owner...); a decision freezes it."""
    _require(actor, MANAGE_PERM, "Only data scientists, platform admins and the review board record evaluations.")
    evaluation = _locked_evaluation(evaluation)
    if evaluation.status == EvaluationStatus.DECIDED:
        raise Conflict(
            f"{evaluation} was decided ({evaluation.get_decision_display().lower()}): "
            "record a new evaluation instead of changing this one."
        )
    before = _evaluation_state(evaluation)
    for name, value in _evaluation_fields(fields).items():
        setattr(evaluation, name, value)
    validate(evaluation)
    if _evaluation_state(evaluation) == before:
        return evaluation
    evaluation.save()
    audit.record(
        actor=actor, action="evaluation.updated", target=evaluation, before=before, after=_evaluation_state(evaluation)
    )
    return evaluation


@transaction.atomic
def trial_start(*, actor, evaluation: TechnologyEvaluation, start, end, goals: str) -> SandboxTrial:
    """Plan a sandbox trial of an undecided evaluation; the evaluation is then in trial."""
    _require(actor, MANAGE_PERM, "Only data scientists, platform admins and the review board run sandbox trials.")
    evaluation = _locked_evaluation(evaluation)
    if evaluation.status == EvaluationStatus.DECIDED:
        raise Conflict(f"{evaluation} is decided: a new trial needs a new evaluation.")
    start, end = as_date(start, field="start"), as_date(end, field="end")
    if end <= start:
        raise ApplicationError(
            f"end: a trial ends after it starts ({start:%Y-%m-%d}); pick a later end date.",
            details={"end": ["Before or on the start date."]},
        )
    goals = require_text(goals, field="goals", hint="say what the trial must show for the technology to pass.")
    if evaluation.trials.filter(outcome="").exists():
        raise Conflict(f"A trial of {evaluation} is still running: close it before starting another.")
    trial = SandboxTrial.objects.create(evaluation=evaluation, start=start, end=end, goals=goals, created_by=actor)
    before = evaluation.status
    if before == EvaluationStatus.PROPOSED:
        evaluation.status = EvaluationStatus.IN_TRIAL
        evaluation.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="evaluation.trial_started",
        target=evaluation,
        before={"status": before},
        after={"status": evaluation.status, "trial": trial.pk, "start": start, "end": end},
    )
    return trial


@transaction.atomic
def trial_close(*, actor, trial: SandboxTrial, outcome: str, findings: str) -> SandboxTrial:
    """Close a running trial with its outcome (pass, fail, inconclusive) and what it found."""
    _require(actor, MANAGE_PERM, "Only data scientists, platform admins and the review board run sandbox trials.")
    trial = SandboxTrial.objects.select_for_update().select_related("evaluation").get(pk=trial.pk)
    if not trial.is_open:
        raise Conflict(f"This trial is already closed ({trial.get_outcome_display().lower()}).")
    outcome = _choice(outcome, TrialOutcome, field="outcome")
    findings = require_text(findings, field="findings", hint="say what the trial found before closing it.")
    trial.outcome, trial.findings, trial.closed_by, trial.closed_at = outcome, findings, actor, timezone.now()
    trial.save()
    audit.record(
        actor=actor,
        action="evaluation.trial_closed",
        target=trial.evaluation,
        after={"trial": trial.pk, "outcome": outcome},
        reason=findings,
    )
    return trial


@transaction.atomic
def evaluation_decide(
    *, actor, evaluation: TechnologyEvaluation, decision: str, rationale: str, trial_waiver: str = ""
) -> TechnologyEvaluation:
    """Adopt, reject or defer an evaluated technology, with the rationale. Adopting needs a passed sandbox
    trial, or an explicit reason why none was run."""
    _require(actor, DECIDE_PERM, "Only the review board decides technology evaluations.")
    evaluation = _locked_evaluation(evaluation)
    if evaluation.status == EvaluationStatus.DECIDED:
        raise Conflict(f"{evaluation} is already decided ({evaluation.get_decision_display().lower()}).")
    decision = _choice(decision, EvaluationDecision, field="decision")
    rationale = require_text(rationale, field="rationale", hint="say why, so later readers can weigh the decision.")
    if evaluation.trials.filter(outcome="").exists():
        raise Conflict(f"A trial of {evaluation} is still running: close it with its outcome before deciding.")
    waiver = (trial_waiver or "").strip()
    if decision == EvaluationDecision.ADOPT and not evaluation.trials.filter(outcome=TrialOutcome.PASS).exists():
        if not waiver:
            raise ApplicationError(
                "trial_waiver: adopting needs a passed sandbox trial; run one, or say why it may be skipped.",
                details={"trial_waiver": ["Required without a passed trial."]},
            )
    elif decision != EvaluationDecision.ADOPT:
        waiver = ""
    before = _evaluation_state(evaluation)
    evaluation.status, evaluation.decision, evaluation.rationale = EvaluationStatus.DECIDED, decision, rationale
    evaluation.trial_waiver, evaluation.decided_by, evaluation.decided_at = waiver, actor, timezone.now()
    evaluation.save()
    audit.record(
        actor=actor,
        action="evaluation.decided",
        target=evaluation,
        before=before,
        after={**_evaluation_state(evaluation), "trial_waiver": waiver},
        reason=rationale,
    )
    return evaluation


# --- Approved standards ------------------------------------------------------------------------------------


def _standard_state(standard: ApprovedStandard) -> dict:
    return snapshot(standard, ("name", "kind", "description", "link", "evaluation", "status", "review_date"))


def _review_date(value) -> date:
    review_date = as_date(value, field="review_date")
    if review_date <= timezone.localdate():
        raise ApplicationError(
            "review_date: a standard is next reviewed in the future; pick a later date.",
            details={"review_date": ["Not in the future."]},
        )
    return review_date


@transaction.atomic
def standard_approve(
    *,
    actor,
    name: str,
    description: str,
    review_date,
    kind: str = StandardKind.STANDARD,
    link: str = "",
    evaluation: TechnologyEvaluation | None = None,
) -> ApprovedStandard:
    """Approve a standard or reference architecture, published from an adopted evaluation or on its own."""
    _require(actor, APPROVE_STANDARD_PERM, "Only the review board approves standards and reference architectures.")
    name = require_text(name, field="name", hint="name the standard or reference architecture.")
    description = require_text(description, field="description", hint="say what the standard requires.")
    kind = _choice(kind, StandardKind, field="kind")
    if evaluation is not None:
        evaluation = _locked_evaluation(evaluation)
        if evaluation.decision != EvaluationDecision.ADOPT:
            raise Conflict(f"{evaluation} was not adopted: only an adopted evaluation publishes an approved standard.")
    if ApprovedStandard.objects.filter(name__iexact=name).exists():
        raise ApplicationError(f"name: a standard named “{name}” exists already.", details={"name": ["Taken."]})
    standard = ApprovedStandard(
        name=name,
        kind=kind,
        description=description,
        link=link or "",
        evaluation=evaluation,
        review_date=_review_date(review_date),
        approved_by=actor,
        approved_at=timezone.now(),
    )
    validate(standard)
    standard.save()
    audit.record(actor=actor, action="standard.approved", target=standard, after=_standard_state(standard))
    return standard


@transaction.atomic
def standard_update(*, actor, standard: ApprovedStandard, **fields) -> ApprovedStandard:
    """Revise an approved standard's description, link or next review date."""
    _require(actor, APPROVE_STANDARD_PERM, "Only the review board approves standards and reference architectures.")
    unknown = sorted(set(fields) - set(STANDARD_FIELDS))
    if unknown:
        raise ApplicationError(
            f"Unknown standard fields: {', '.join(unknown)}.", details=dict.fromkeys(unknown, ["Unknown."])
        )
    standard = ApprovedStandard.objects.select_for_update().get(pk=standard.pk)
    if standard.status == StandardStatus.RETIRED:
        raise Conflict(f"{standard} is retired: approve a new standard instead.")
    before = _standard_state(standard)
    if "description" in fields:
        standard.description = require_text(fields["description"], field="description", hint="say what it requires.")
    if "link" in fields:
        standard.link = fields["link"] or ""
    if "review_date" in fields:
        standard.review_date = _review_date(fields["review_date"])
    validate(standard)
    if _standard_state(standard) == before:
        return standard
    standard.save()
    audit.record(
        actor=actor, action="standard.updated", target=standard, before=before, after=_standard_state(standard)
    )
    return standard


@transaction.atomic
def standard_retire(*, actor, standard: ApprovedStandard, reason: str) -> ApprovedStandard:
    """Retire a standard that no longer holds, saying why."""
    _require(actor, APPROVE_STANDARD_PERM, "Only the review board approves standards and reference architectures.")
    standard = ApprovedStandard.objects.select_for_update().get(pk=standard.pk)
    if standard.status == StandardStatus.RETIRED:
        raise Conflict(f"{standard} is already retired.")
    reason = require_text(reason, field="reason", hint="say why the standard no longer holds.")
    standard.status, standard.retired_by, standard.retired_at = StandardStatus.RETIRED, actor, timezone.now()
    standard.retirement_reason = reason
    standard.save()
    audit.record(
        actor=actor,
        action="standard.retired",
        target=standard,
        before={"status": StandardStatus.APPROVED},
        after={"status": StandardStatus.RETIRED},
        reason=reason,
    )
    return standard

"""Scoring use cases against the criteria, and configuring the criteria."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from audit import services as audit
from core.exceptions import ApplicationError, require_text
from core.permissions import require, require_model_perm
from portfolio.models import Score, ScoringCriterion, UseCase
from portfolio.services.base import snapshot, validate

CRITERION_FIELDS = ("name", "description", "weight", "higher_is_better", "rubric", "is_active")


@transaction.atomic
def score_record(*, actor, use_case: UseCase, criterion: ScoringCriterion, score, rationale: str) -> Score:
    """A scorer's 1-5 score with its rationale; it supersedes the scorer's previous one (kept as history)."""
    require(actor, "view", use_case)
    require_model_perm(actor, Score, "add", business_unit=use_case.business_unit)
    if not criterion.is_active:
        raise ApplicationError(
            f"criterion: “{criterion}” is no longer used for ranking.", details={"criterion": ["Inactive criterion."]}
        )
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ApplicationError(
            f"score: give a whole number from 1 to 5, not {score!r}.",
            details={"score": ["A whole number from 1 to 5."]},
        )
    require_text(rationale, field="rationale", hint="say why this score, so others can challenge it.")
    previous = (
        Score.objects.select_for_update()
        .filter(use_case=use_case, criterion=criterion, scorer=actor, is_current=True)
        .first()
    )
    if previous:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    new = Score.objects.create(
        use_case=use_case, criterion=criterion, score=score, rationale=rationale.strip(), scorer=actor
    )
    audit.record(
        actor=actor,
        action="use_case.scored",
        target=use_case,
        reason=rationale.strip(),
        before={f"score:{criterion.key}": previous.score} if previous else {},
        after={f"score:{criterion.key}": score},
    )
    return new


@transaction.atomic
def scoring_criterion_update(*, actor, criterion: ScoringCriterion, reason: str = "", **changes) -> ScoringCriterion:
    """Change a criterion's weight, direction or rubric; the ranking follows at once."""
    criterion = ScoringCriterion.objects.select_for_update().get(pk=criterion.pk)
    require(actor, "change", criterion)
    if set(changes) - set(CRITERION_FIELDS):
        raise ApplicationError(f"Unknown criterion fields: {', '.join(sorted(set(changes) - set(CRITERION_FIELDS)))}.")
    if "weight" in changes:
        changes["weight"] = parse_weight(changes["weight"], field="weight")
    before = snapshot(criterion, changes)
    for field, value in changes.items():
        setattr(criterion, field, value)
    validate(criterion)
    criterion.save()
    audit.record(
        actor=actor,
        action="scoring_criterion.updated",
        target=criterion,
        before=before,
        after=snapshot(criterion, changes),
        reason=reason,
    )
    return criterion


def parse_weight(value, *, field: str) -> Decimal:
    """A weight is a number of 0 or more; anything else is refused with the field named."""
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ApplicationError(f"{field}: “{value}” is not a number.", details={field: ["Not a number."]}) from None
    if not weight.is_finite() or weight < 0 or weight > 1000:
        raise ApplicationError(
            f"{field}: a weight must be between 0 and 1000, not {value}.", details={field: ["Between 0 and 1000."]}
        )
    return weight


@transaction.atomic
def scoring_criterion_create(*, actor, key: str, name: str, weight=1, **fields) -> ScoringCriterion:
    require_model_perm(actor, ScoringCriterion, "add")
    criterion = ScoringCriterion(key=key, name=name, weight=parse_weight(weight, field="weight"), **fields)
    validate(criterion)
    criterion.save()
    audit.record(
        actor=actor,
        action="scoring_criterion.created",
        target=criterion,
        after=snapshot(criterion, ("key", *CRITERION_FIELDS)),
    )
    return criterion

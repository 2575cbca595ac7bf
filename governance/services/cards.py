"""Model cards and bias assessments of a version: written by its developers (owners and the data scientists of
its unit), validated, audited with before and after."""

import hashlib

from django.db import transaction

from audit import services as audit
from core.exceptions import ApplicationError
from core.permissions import require
from governance import fairness
from governance.cards import CARD_TEXT_FIELDS
from governance.choices import ExplainabilityMethod, ReviewStatus
from governance.models import BiasAssessment, ModelCard, Review
from governance.services.policies import current_policy

MAX_TEXT = 20_000


def policy_for_version(version) -> dict:
    """The rules the version is judged by: its review's policy snapshot, else its tier's current policy."""
    review = (
        Review.objects.filter(version=version)
        .exclude(status=ReviewStatus.SUPERSEDED)
        .order_by("-opened_at", "-pk")
        .only("policy_snapshot")
        .first()
    )
    if review is not None:
        return review.policy_snapshot
    policy = current_policy(version.model.use_case.risk_tier)
    return policy.snapshot() if policy else {}


def _clean_card(changes: dict) -> dict:
    unknown = sorted(set(changes) - set(CARD_TEXT_FIELDS))
    if unknown:
        raise ApplicationError(f"These fields are not part of a model card: {', '.join(unknown)}.", details={})
    cleaned = {}
    for field, value in changes.items():
        text = "" if value is None else value
        if not isinstance(text, str):
            raise ApplicationError(f"{field}: give text.", details={field: ["Text."]})
        text = text.strip()
        if len(text) > MAX_TEXT:
            raise ApplicationError(f"{field}: at most {MAX_TEXT} characters.", details={field: ["Too long."]})
        if field == "explainability_method" and text and text not in ExplainabilityMethod.values:
            raise ApplicationError(
                f"explainability_method: use one of {', '.join(ExplainabilityMethod.values)}.",
                details={field: ["Unknown method."]},
            )
        cleaned[field] = text
    return cleaned


@transaction.atomic
def model_card_save(*, actor, version, **changes) -> ModelCard:
    """Create or edit the card of a version. Card text documents the version and is not part of the content
    digest (docs/decisions.md): an edit after a sign-off does not reset it, but the before and after of every
    edit is in the audit trail, and the card gate reads the card at each move."""
    require(actor, "change", version.model)
    cleaned = _clean_card(changes)
    card = ModelCard.objects.select_for_update().filter(version=version).first()
    created = card is None
    if created:
        card = ModelCard(version=version)
    before = {field: getattr(card, field) for field in cleaned if getattr(card, field) != cleaned[field]}
    if not created and not before:
        return card  # nothing changes: no event
    for field, value in cleaned.items():
        setattr(card, field, value)
    card.updated_by = actor
    card.save()
    audit.record(
        actor=actor,
        action="model_card.created" if created else "model_card.changed",
        target=version,
        before={} if created else before,
        after={field: cleaned[field] for field in (cleaned if created else before)},
    )
    return card


def _reference_groups(value) -> dict[str, str]:
    """{"gender": "female"} from a dict or from "column=group" strings (one per attribute)."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list | tuple):
        pairs = []
        for item in value:
            column, sep, group = str(item).partition("=")
            if not sep:
                raise ApplicationError(
                    f'reference_groups: write each as "column=reference group"; got {str(item)[:80]!r}.',
                    details={"reference_groups": ["column=group"]},
                )
            pairs.append((column, group))
    else:
        raise ApplicationError("reference_groups: give column=group pairs.", details={"reference_groups": []})
    groups = {}
    for column, group in pairs:
        column, group = str(column).strip(), str(group).strip()
        if not column or not group:
            raise ApplicationError(
                "reference_groups: each needs a column and a group.", details={"reference_groups": ["Blank."]}
            )
        if column in (fairness.LABEL, fairness.PREDICTION):
            raise ApplicationError(
                f"reference_groups: {column} is not a protected attribute.", details={"reference_groups": [column]}
            )
        groups[column[:100]] = group[:200]
    return groups


@transaction.atomic
def bias_assessment_create(*, actor, version, data: bytes, file_name: str, reference_groups) -> BiasAssessment:
    """Assess a predictions file against the policy's fairness thresholds and keep the results."""
    require(actor, "change", version.model)
    groups = _reference_groups(reference_groups)
    frame = fairness.read_predictions(data, groups)
    thresholds = fairness.thresholds_from(policy_for_version(version).get("metric_thresholds", []))
    results, failures = fairness.assess(frame, groups, thresholds)
    assessment = BiasAssessment.objects.create(
        version=version,
        file_name=(file_name or "predictions.csv")[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        row_count=len(frame),
        reference_groups=groups,
        results=results,
        thresholds=thresholds,
        passed=not failures,
        failures=failures,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="bias_assessment.created",
        target=version,
        after={
            "assessment": assessment.pk,
            "file_sha256": assessment.file_sha256,
            "rows": assessment.row_count,
            "passed": assessment.passed,
            "failures": failures,
        },
    )
    return assessment

"""Review policies: one per tier, versioned, edited by admins only through here, never below a floor."""

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, NotAllowed, require_text
from governance.cards import SECTION_KEYS
from governance.choices import Operator, ReviewStatus, TestEvidenceKind, Tier
from governance.models import FUNCTION_CODES, FUNCTION_NAMES, Review, ReviewPolicy, SignOff, function_permission

# No edit takes a tier below these: the functions it always needs, and the longest approval it allows.
FLOORS: dict[str, dict] = {
    Tier.LOW: {"functions": {"validation"}, "max_validity_days": 730},
    Tier.MEDIUM: {"functions": {"validation"}, "max_validity_days": 365},
    Tier.HIGH: {"functions": {"validation", "risk"}, "max_validity_days": 365},
    Tier.CRITICAL: {"functions": {"validation", "risk", "compliance"}, "max_validity_days": 180},
}
EDITABLE = (
    "required_functions",
    "metric_thresholds",
    "model_card_sections",
    "bias_assessment_required",
    "promote_on_approval",
    "required_test_evidence",
    "approval_validity_days",
    "reassessment_cadence_days",
    "decommission_notice_days",
)


def current_policy(tier: str) -> ReviewPolicy | None:
    return ReviewPolicy.objects.filter(tier=tier).order_by("-version").first()


def _clean_thresholds(value) -> list[dict]:
    if not isinstance(value, list):
        raise ApplicationError("metric_thresholds: give a list.", details={"metric_thresholds": ["A list."]})
    cleaned = []
    for row in value:
        ok = isinstance(row, dict) and isinstance(row.get("metric"), str) and row.get("metric", "").strip()
        ok = ok and row.get("operator") in Operator.values
        ok = ok and isinstance(row.get("value"), int | float) and not isinstance(row.get("value"), bool)
        if not ok:
            raise ApplicationError(
                'metric_thresholds: each row is {"metric": name, "operator": one of >=, >, <=, <, "value": number}.',
                details={"metric_thresholds": [f"Bad row: {row!r}."[:200]]},
            )
        cleaned.append({"metric": row["metric"].strip(), "operator": row["operator"], "value": float(row["value"])})
    return cleaned


def _clean_test_evidence(value) -> list[str]:
    """The kinds of test evidence required, in canonical order; an unknown kind is refused by its name (it
    would be required yet never provided)."""
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ApplicationError(
            "required_test_evidence: give a list of test evidence kinds.", details={"required_test_evidence": []}
        )
    unknown = sorted({k.strip() for k in value} - set(TestEvidenceKind.values))
    if unknown:
        raise ApplicationError(
            f"required_test_evidence: unknown kind {', '.join(unknown)}; use {', '.join(TestEvidenceKind.values)}.",
            details={"required_test_evidence": ["Unknown kind."]},
        )
    return [kind for kind in TestEvidenceKind.values if kind in {k.strip() for k in value}]


def clean_policy(tier: str, values: dict) -> dict:
    """Check a policy's values against the tier's floor; each problem names the field."""
    floor = FLOORS[tier]
    functions = values["required_functions"]
    if not isinstance(functions, list) or not all(isinstance(f, str) for f in functions):
        raise ApplicationError("required_functions: give a list of function codes.", details={"required_functions": []})
    unknown = sorted(set(functions) - set(FUNCTION_CODES))
    if unknown:
        raise ApplicationError(
            f"required_functions: unknown function {', '.join(unknown)}; use {', '.join(FUNCTION_CODES)}.",
            details={"required_functions": ["Unknown function."]},
        )
    missing = sorted(floor["functions"] - set(functions))
    if missing:
        raise ApplicationError(
            f"required_functions: the {tier} tier can never go below {', '.join(sorted(floor['functions']))}; "
            f"put back {', '.join(missing)}.",
            details={"required_functions": ["Below the floor of the tier."]},
        )
    for field in ("approval_validity_days", "reassessment_cadence_days", "decommission_notice_days"):
        value = values[field]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ApplicationError(f"{field}: give a whole number of days, at least 1.", details={field: ["≥ 1."]})
    if values["approval_validity_days"] > floor["max_validity_days"]:
        raise ApplicationError(
            f"approval_validity_days: the {tier} tier allows at most {floor['max_validity_days']} days.",
            details={"approval_validity_days": ["Above the floor of the tier."]},
        )
    sections = values["model_card_sections"]
    if not isinstance(sections, list) or not all(isinstance(s, str) and s.strip() for s in sections):
        raise ApplicationError("model_card_sections: give a list of section names.", details={})
    unknown_sections = sorted({s.strip() for s in sections} - set(SECTION_KEYS))
    if unknown_sections:
        # A name no section has would be required yet never checked.
        raise ApplicationError(
            f"model_card_sections: unknown section {', '.join(unknown_sections)}; use {', '.join(SECTION_KEYS)}.",
            details={"model_card_sections": ["Unknown section."]},
        )
    kinds = _clean_test_evidence(values.get("required_test_evidence", []))
    return {
        **values,
        "required_test_evidence": kinds,
        "required_functions": [f for f in FUNCTION_CODES if f in functions],  # canonical order, no duplicates
        "metric_thresholds": _clean_thresholds(values["metric_thresholds"]),
        "model_card_sections": [key for key in SECTION_KEYS if key in {s.strip() for s in sections}],
        "bias_assessment_required": bool(values["bias_assessment_required"]),
        "promote_on_approval": bool(values.get("promote_on_approval", False)),
    }


@transaction.atomic
def review_policy_update(*, actor, tier: str, reason: str, **changes) -> ReviewPolicy:
    """An admin edit: a new version of the tier's policy. Open reviews under the tier move to it and
    lose their sign-offs, so no signature stands under rules other than the ones it was given under."""
    if not actor.has_perm("governance.change_reviewpolicy"):
        raise NotAllowed("Only platform admins may change review policies.")
    if tier not in Tier.values:
        raise ApplicationError(f"tier: unknown tier “{tier}”.", details={"tier": ["Unknown."]})
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.", details={})
    reason = require_text(reason, field="reason", hint="say why the policy changes.")
    current = ReviewPolicy.objects.select_for_update().filter(tier=tier).order_by("-version").first()
    base = {field: getattr(current, field) for field in EDITABLE} if current else {}
    values = clean_policy(tier, {**base, **changes})
    policy = ReviewPolicy.objects.create(
        tier=tier, version=(current.version + 1) if current else 1, created_by=actor, reason=reason, **values
    )
    open_reviews = list(Review.objects.select_for_update().filter(policy__tier=tier, status=ReviewStatus.OPEN))
    reset = SignOff.objects.filter(review__in=open_reviews, invalidated_at__isnull=True).update(
        invalidated_at=timezone.now(), invalidated_reason=f"Policy of the {tier} tier changed to v{policy.version}."
    )
    for review in open_reviews:
        review.policy, review.policy_snapshot = policy, policy.snapshot()
        review.save(update_fields=["policy", "policy_snapshot"])
    audit.record(
        actor=actor,
        action="review_policy.changed",
        target=policy,
        reason=reason,
        before=current.snapshot() if current else {},
        after={**policy.snapshot(), "open_reviews_reset": [r.pk for r in open_reviews], "sign_offs_reset": reset},
    )
    return policy


def decommission_notice_days(model) -> int | None:
    """The notice a decommission of `model` must give, from the current policy of its use case's tier
    (None for an unassessed use case: lifecycle's default applies)."""
    policy = current_policy(model.use_case.risk_tier)
    return policy.decommission_notice_days if policy else None


def decommission_functions(model) -> list[dict]:
    """The review-board functions a decommission of `model` needs: the sign-off functions of the current
    policy of its use case's tier (none for an unassessed use case)."""
    policy = current_policy(model.use_case.risk_tier)
    if policy is None:
        return []
    return [
        {"code": code, "name": FUNCTION_NAMES.get(code, code), "permission": function_permission(code)}
        for code in policy.required_functions
    ]

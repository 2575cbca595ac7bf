"""Use cases: intake, edits, the objectives they serve, and the status workflow."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, require_text
from core.permissions import require, require_model_perm
from portfolio.choices import NEXT_STATUSES, OPEN_STATUSES, RiskTier, UseCaseStatus
from portfolio.models import (
    KPI,
    READINESS_ITEMS,
    BusinessUnit,
    Objective,
    UseCase,
    UseCaseObjective,
    UseCaseTransition,
)
from portfolio.services.base import snapshot, validate

# Fields a proposer or owner edits freely; status and risk tier have their own workflows.
USE_CASE_EDITABLE = (
    "title",
    "problem_statement",
    "process_changed",
    "current_performance",
    "business_unit",
    "sponsor",
    "owner",
    "confidential",
    "estimated_value",
    "estimated_cost",
    "sourcing",
    "sourcing_rationale",
    "data_sources_available",
    "data_quality",
    "data_access_agreed",
    "integration_complexity",
    "ea_components",
    "budget_innovation",
    "budget_tech_debt",
)


def _clean_ea_components(value) -> list[str]:
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ApplicationError(
            "ea_components: give a list of application or system identifiers.",
            details={"ea_components": ["Give a list of identifiers."]},
        )
    return sorted({item.strip() for item in items if item.strip()})


def readiness_missing(use_case: UseCase) -> list[str]:
    """The go-live checklist items not yet ticked, in words."""
    done = set(use_case.readiness.values_list("item", flat=True))
    return [label for key, label in READINESS_ITEMS if key not in done]


def _next_number() -> int:
    return (UseCase.objects.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def use_case_create(*, actor, title: str, business_unit: BusinessUnit, capabilities=(), **fields) -> UseCase:
    """Propose a use case in a business unit the actor belongs to; it gets the next UC- number."""
    unknown = set(fields) - set(USE_CASE_EDITABLE)
    if unknown:
        raise ApplicationError(f"Unknown use-case fields: {', '.join(sorted(unknown))}.")
    require_model_perm(actor, UseCase, "add", business_unit=business_unit)
    if "ea_components" in fields:
        fields["ea_components"] = _clean_ea_components(fields["ea_components"])
    fields.setdefault("owner", actor)
    use_case = UseCase(title=title, business_unit=business_unit, created_by=actor, **fields)
    validate(use_case, exclude=["number"])
    # Two proposals at once may pick the same number; the unique constraint catches it and we retry.
    for _attempt in range(5):
        use_case.number = _next_number()
        try:
            with transaction.atomic():
                use_case.save(force_insert=True)
            break
        except IntegrityError:
            use_case.pk = None
    else:
        raise ApplicationError("Could not allocate a use-case number; please try again.")
    if capabilities:
        use_case.capabilities.set(capabilities)
    audit.record(
        actor=actor,
        action="use_case.created",
        target=use_case,
        after={
            **snapshot(use_case, ("title", *fields, "business_unit", "status", "risk_tier")),
            "capabilities": sorted(c.pk for c in capabilities),
        },
    )
    return use_case


@transaction.atomic
def use_case_update(*, actor, use_case: UseCase, reason: str = "", capabilities=None, **changes) -> UseCase:
    """Change the editable fields of a use case. Status and risk tier have their own workflows."""
    unknown = set(changes) - set(USE_CASE_EDITABLE)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    require(actor, "change", use_case)
    new_unit = changes.get("business_unit")
    if new_unit is not None and new_unit.pk != use_case.business_unit_id:
        # Moving a record is a write in both units: the actor must be allowed in the target too.
        require_model_perm(actor, UseCase, "change", business_unit=new_unit)
    if "ea_components" in changes:
        changes["ea_components"] = _clean_ea_components(changes["ea_components"])
    before, after = snapshot(use_case, changes), {}
    for field, value in changes.items():
        setattr(use_case, field, value)
    validate(use_case, exclude=["number"])
    use_case.save()
    after = snapshot(use_case, changes)
    if capabilities is not None:
        before["capabilities"] = sorted(use_case.capabilities.values_list("pk", flat=True))
        use_case.capabilities.set(capabilities)
        after["capabilities"] = sorted(c.pk for c in capabilities)
    audit.record(actor=actor, action="use_case.updated", target=use_case, before=before, after=after, reason=reason)
    return use_case


@transaction.atomic
def use_case_transition(*, actor, use_case: UseCase, to_status: str, reason: str) -> UseCase:
    """Move a use case through its workflow (NEXT_STATUSES); a reason is required and audited."""
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    require(actor, "change", use_case)
    if to_status not in UseCaseStatus.values:
        raise ApplicationError(
            f"Unknown status “{to_status}”. Use one of: {', '.join(UseCaseStatus.values)}.",
            details={"to": ["Unknown status."]},
        )
    require_text(reason, field="reason", hint="give a reason for the change of status.")
    if use_case.status == to_status:
        return use_case
    allowed = NEXT_STATUSES[use_case.status]
    if to_status not in allowed:
        options = ", ".join(sorted(UseCaseStatus(s).label for s in allowed)) or "nothing: it is closed"
        raise Conflict(
            f"{use_case.code} is {use_case.get_status_display().lower()} and cannot move to "
            f"{UseCaseStatus(to_status).label.lower()}. It can move to: {options}.",
            details={"to": [f"Not allowed from {use_case.status}."]},
        )
    if to_status == UseCaseStatus.LIVE:
        missing = readiness_missing(use_case)
        if missing:
            raise Conflict(
                f"{use_case.code} cannot go live before its readiness checklist is complete. "
                f"Missing: {'; '.join(missing)}.",
                details={"readiness": missing},
            )
    UseCaseTransition.objects.create(
        use_case=use_case, from_status=use_case.status, to_status=to_status, reason=reason.strip(), actor=actor
    )
    audit.record(
        actor=actor,
        action="use_case.transitioned",
        target=use_case,
        reason=reason.strip(),
        before={"status": use_case.status},
        after={"status": to_status},
    )
    use_case.status = to_status
    use_case.save(update_fields=["status", "updated_at"])
    return use_case


@transaction.atomic
def use_case_link_objective(
    *,
    actor,
    use_case: UseCase,
    objective: Objective,
    kpi: KPI | None = None,
    expected_contribution: Decimal | None = None,
    note: str = "",
) -> UseCaseObjective:
    """Record that a use case serves an objective, through a KPI with an expected contribution."""
    require(actor, "change", use_case)
    if kpi is not None and kpi.objective_id != objective.pk:
        raise ApplicationError(
            f"KPI “{kpi.name}” does not measure objective “{objective}”.",
            details={"kpi": ["Belongs to another objective."]},
        )
    if expected_contribution is not None and kpi is None:
        raise ApplicationError(
            "An expected contribution needs the KPI it is measured in.",
            details={"kpi": ["Required with an expected contribution."]},
        )
    existing = UseCaseObjective.objects.filter(use_case=use_case, objective=objective, kpi=kpi).first()
    before = {"expected_contribution": existing.expected_contribution, "note": existing.note} if existing else {}
    link = existing or UseCaseObjective(use_case=use_case, objective=objective, kpi=kpi)
    link.expected_contribution, link.note = expected_contribution, note
    link.save()
    audit.record(
        actor=actor,
        action="use_case.objective_linked",
        target=use_case,
        before={"objective": objective.pk, "kpi": kpi.pk if kpi else None, **before} if existing else {},
        after={
            "objective": objective.pk,
            "kpi": kpi.pk if kpi else None,
            "expected_contribution": expected_contribution,
            "note": note,
        },
    )
    return link


@transaction.atomic
def use_case_unlink_objective(*, actor, link: UseCaseObjective) -> None:
    require(actor, "change", link.use_case)
    audit.record(
        actor=actor,
        action="use_case.objective_unlinked",
        target=link.use_case,
        before={"objective": link.objective_id, "kpi": link.kpi_id},
    )
    link.delete()


@transaction.atomic
def use_case_apply_risk_classification(
    *, actor, use_case: UseCase, risk_tier: str, prohibited: bool, reason: str
) -> UseCase:
    """Record the risk tier of an approved impact assessment; a prohibited result blocks the use case
    (rejected where the workflow allows, otherwise paused). The caller (governance) checked that the
    actor may approve assessments; here the actor must at least see the use case."""
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    require(actor, "view", use_case)
    if risk_tier not in RiskTier.values or risk_tier == RiskTier.UNASSESSED:
        raise ApplicationError(f"risk_tier: unknown tier “{risk_tier}”.", details={"risk_tier": ["Unknown."]})
    before = {"risk_tier": use_case.risk_tier, "status": use_case.status}
    use_case.risk_tier = risk_tier
    if prohibited and use_case.status in OPEN_STATUSES:
        allowed = NEXT_STATUSES[use_case.status]
        blocked = UseCaseStatus.REJECTED if UseCaseStatus.REJECTED in allowed else UseCaseStatus.PAUSED
        if blocked in allowed:
            UseCaseTransition.objects.create(
                use_case=use_case, from_status=use_case.status, to_status=blocked, reason=reason, actor=actor
            )
            use_case.status = blocked
    use_case.save(update_fields=["risk_tier", "status", "updated_at"])
    audit.record(
        actor=actor,
        action="use_case.risk_classified",
        target=use_case,
        reason=reason,
        before=before,
        after={"risk_tier": use_case.risk_tier, "status": use_case.status},
    )
    return use_case

"""Writes to the portfolio: each checks permission, validates, saves and audits in one transaction."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max

from audit import services as audit
from core.exceptions import ApplicationError
from core.permissions import require, require_model_perm
from portfolio.models import BusinessUnit, Membership, UseCase

USE_CASE_EDITABLE = (
    "title",
    "problem_statement",
    "business_unit",
    "owner",
    "confidential",
    "estimated_value",
    "estimated_cost",
)


def _snapshot(obj, fields) -> dict:
    return {f: (getattr(obj, f"{f}_id") if hasattr(obj, f"{f}_id") else getattr(obj, f)) for f in fields}


def _validate(obj) -> None:
    """Model validation as a 400 that names each bad field, before anything is written."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(exclude=["number"] if isinstance(obj, UseCase) else None)
    except ValidationError as exc:
        raise ApplicationError(
            "Invalid "
            + obj._meta.verbose_name
            + ": "
            + "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()),
            details=exc.message_dict,
        ) from exc


# --- Business units --------------------------------------------------------------------------------


@transaction.atomic
def business_unit_create(*, actor, code: str, name: str, description: str = "") -> BusinessUnit:
    require_model_perm(actor, BusinessUnit, "add")
    unit = BusinessUnit(code=code.strip().upper(), name=name.strip(), description=description)
    _validate(unit)
    unit.save()
    audit.record(
        actor=actor, action="business_unit.created", target=unit, after=_snapshot(unit, ("code", "name", "description"))
    )
    return unit


@transaction.atomic
def business_unit_update(*, actor, business_unit: BusinessUnit, reason: str = "", **changes) -> BusinessUnit:
    """Rename, describe, or deactivate a unit (units are never deleted: records point at them)."""
    allowed = {"name", "description", "is_active"}
    if set(changes) - allowed:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(sorted(set(changes) - allowed))}.")
    unit = BusinessUnit.objects.select_for_update().get(pk=business_unit.pk)
    require(actor, "change", unit)
    before = _snapshot(unit, changes)
    for field, value in changes.items():
        setattr(unit, field, value)
    _validate(unit)
    unit.save()
    audit.record(
        actor=actor,
        action="business_unit.updated",
        target=unit,
        before=before,
        after=_snapshot(unit, changes),
        reason=reason,
    )
    return unit


@transaction.atomic
def membership_add(*, actor, user, business_unit: BusinessUnit) -> Membership:
    require_model_perm(actor, Membership, "add", business_unit=business_unit)
    membership, created = Membership.objects.get_or_create(user=user, business_unit=business_unit)
    if created:
        audit.record(
            actor=actor,
            action="membership.added",
            target=membership,
            after={"user": user.get_username(), "business_unit": business_unit.code},
        )
    return membership


# --- Use cases ------------------------------------------------------------------------------------


@transaction.atomic
def use_case_create(
    *,
    actor,
    title: str,
    business_unit: BusinessUnit,
    problem_statement: str = "",
    owner=None,
    confidential: bool = False,
    estimated_value: Decimal = Decimal(0),
    estimated_cost: Decimal = Decimal(0),
) -> UseCase:
    """Propose a use case in a business unit the actor belongs to; it gets the next UC- number."""
    require_model_perm(actor, UseCase, "add", business_unit=business_unit)
    use_case = UseCase(
        title=title,
        business_unit=business_unit,
        problem_statement=problem_statement,
        owner=owner or actor,
        confidential=confidential,
        estimated_value=estimated_value,
        estimated_cost=estimated_cost,
        created_by=actor,
    )
    _validate(use_case)
    # Two proposals at once may pick the same number; the unique constraint catches it and we retry.
    for _attempt in range(5):
        use_case.number = (UseCase.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                use_case.save(force_insert=True)
            break
        except IntegrityError:
            use_case.pk = None
    else:
        raise ApplicationError("Could not allocate a use-case number; please try again.")
    audit.record(
        actor=actor,
        action="use_case.created",
        target=use_case,
        after=_snapshot(use_case, ("title", *USE_CASE_EDITABLE[1:], "status", "risk_tier")),
    )
    return use_case


@transaction.atomic
def use_case_update(*, actor, use_case: UseCase, reason: str = "", **changes) -> UseCase:
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
    before = _snapshot(use_case, changes)
    for field, value in changes.items():
        setattr(use_case, field, value)
    _validate(use_case)
    use_case.save()
    audit.record(
        actor=actor,
        action="use_case.updated",
        target=use_case,
        before=before,
        after=_snapshot(use_case, changes),
        reason=reason,
    )
    return use_case


@transaction.atomic
def membership_remove(*, actor, membership: Membership, reason: str = "") -> None:
    """Take a user out of a business unit; they lose sight of its confidential records at once."""
    require_model_perm(actor, Membership, "delete", business_unit=membership.business_unit)
    audit.record(
        actor=actor,
        action="membership.removed",
        target=membership,
        reason=reason,
        before={"user": membership.user.get_username(), "business_unit": membership.business_unit.code},
    )
    membership.delete()

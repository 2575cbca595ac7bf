"""Business units and memberships."""

from django.db import transaction

from audit import services as audit
from core.exceptions import ApplicationError
from core.permissions import require, require_model_perm
from portfolio.models import BusinessUnit, Membership
from portfolio.services.base import snapshot, validate

# --- Business units --------------------------------------------------------------------------------


@transaction.atomic
def business_unit_create(*, actor, code: str, name: str, description: str = "") -> BusinessUnit:
    require_model_perm(actor, BusinessUnit, "add")
    unit = BusinessUnit(code=code.strip().upper(), name=name.strip(), description=description)
    validate(unit)
    unit.save()
    audit.record(
        actor=actor, action="business_unit.created", target=unit, after=snapshot(unit, ("code", "name", "description"))
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
    before = snapshot(unit, changes)
    for field, value in changes.items():
        setattr(unit, field, value)
    validate(unit)
    unit.save()
    audit.record(
        actor=actor,
        action="business_unit.updated",
        target=unit,
        before=before,
        after=snapshot(unit, changes),
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


@transaction.atomic
def memberships_sync_from_provider(*, user, wanted, managed, reason: str) -> None:
    """Single sign-on: the provider's claims decide membership of the `managed` units (those its claims table
    names) at each sign-in: the user joins the `wanted` ones and leaves the other managed ones; memberships an
    admin gave in other units stay. Each change is recorded as made by Lodestar, with the reason."""
    managed_pks = {unit.pk for unit in managed}
    wanted_pks = {unit.pk for unit in wanted} & managed_pks
    held = {m.business_unit_id: m for m in Membership.objects.filter(user=user).select_related("business_unit")}
    for unit in managed:
        if unit.pk in wanted_pks and unit.pk not in held:
            membership = Membership.objects.create(user=user, business_unit=unit)
            audit.record(
                actor=None,
                action="membership.added",
                target=membership,
                reason=reason,
                after={"user": user.get_username(), "business_unit": unit.code},
            )
        elif unit.pk not in wanted_pks and unit.pk in held:
            membership = held[unit.pk]
            audit.record(
                actor=None,
                action="membership.removed",
                target=membership,
                reason=reason,
                before={"user": user.get_username(), "business_unit": unit.code},
            )
            membership.delete()

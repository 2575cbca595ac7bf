"""Third-party AI vendors and the inventory models they supply; recorded by platform admins and the review
board (`sourcing.manage_vendor`), audited."""

from django.db import transaction

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed
from core.permissions import require
from portfolio.services.base import validate
from sourcing.models import SuppliedModel, Vendor

MANAGE_PERM = "sourcing.manage_vendor"
VENDOR_FIELDS = (
    "name",
    "services",
    "due_diligence",
    "data_ownership_clause",
    "data_handling_clause",
    "lock_in_risk",
    "exit_strategy",
    "data_portability",
    "last_assessed_on",
    "notes",
)


def _require_manager(actor) -> None:
    if not actor.has_perm(MANAGE_PERM):
        raise NotAllowed("Only platform admins and the review board record vendors.")


def _state(vendor: Vendor) -> dict:
    return {f: getattr(vendor, f) for f in VENDOR_FIELDS}


def _fields(fields: dict) -> dict:
    unknown = sorted(set(fields) - set(VENDOR_FIELDS))
    if unknown:
        raise ApplicationError(
            f"Unknown vendor fields: {', '.join(unknown)}.", details=dict.fromkeys(unknown, ["Unknown."])
        )
    return {k: ("" if v is None and k != "last_assessed_on" else v) for k, v in fields.items()}


@transaction.atomic
def vendor_create(*, actor, **fields) -> Vendor:
    _require_manager(actor)
    vendor = Vendor(**_fields(fields))
    validate(vendor)
    vendor.save()
    audit.record(actor=actor, action="vendor.created", target=vendor, after=_state(vendor))
    return vendor


@transaction.atomic
def vendor_update(*, actor, vendor: Vendor, **fields) -> Vendor:
    _require_manager(actor)
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    before = _state(vendor)
    for name, value in _fields(fields).items():
        setattr(vendor, name, value)
    validate(vendor)
    if _state(vendor) == before:
        return vendor
    vendor.save()
    audit.record(actor=actor, action="vendor.updated", target=vendor, before=before, after=_state(vendor))
    return vendor


@transaction.atomic
def vendor_model_link(*, actor, vendor: Vendor | None, model, expected: Vendor | None = None) -> SuppliedModel:
    """Record which vendor supplies a model (None: no vendor any more; `expected`: only if that vendor supplies
    it now); the manager must see the model."""
    _require_manager(actor)
    require(actor, "view", model)
    link = SuppliedModel.objects.select_for_update().filter(model=model).first()
    if expected is not None and (link is None or link.vendor_id != expected.pk):
        raise Conflict(f"{expected} does not supply {model}.")
    before = link.vendor.name if link and link.vendor else None
    if link is None:
        link = SuppliedModel(model=model)
    link.vendor, link.linked_by = vendor, actor
    link.save()
    audit.record(
        actor=actor,
        action="vendor.model_linked",
        target=model,
        before={"vendor": before},
        after={"vendor": vendor.name if vendor else None},
    )
    return link

"""Strategy: objectives, KPIs, measurements and capabilities."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from audit import services as audit
from core.exceptions import ApplicationError
from core.permissions import require, require_model_perm
from portfolio.choices import KPISource
from portfolio.models import KPI, BusinessUnit, Capability, KPIMeasurement, Objective
from portfolio.services.base import snapshot, validate

OBJECTIVE_FIELDS = ("title", "description", "owner", "horizon", "business_unit", "is_active")
KPI_FIELDS = (
    "name",
    "unit",
    "direction",
    "baseline",
    "baseline_date",
    "target",
    "target_date",
    "source",
    "metric_binding",
)


def _check_kpi_dates(kpi: KPI) -> None:
    if kpi.baseline_date and kpi.target_date and kpi.target_date <= kpi.baseline_date:
        raise ApplicationError(
            f"target_date: the target date ({kpi.target_date}) must come after the baseline date "
            f"({kpi.baseline_date}).",
            details={"target_date": ["Must be after the baseline date."]},
        )
    if kpi.source == "metric" and not kpi.metric_binding:
        raise ApplicationError(
            "metric_binding: a KPI fed by a metric must name that metric.",
            details={"metric_binding": ["Required when the source is a metric."]},
        )


@transaction.atomic
def objective_create(*, actor, title: str, business_unit: BusinessUnit | None = None, **fields) -> Objective:
    """A strategic objective; without a business unit it is enterprise-wide."""
    require_model_perm(actor, Objective, "add", business_unit=business_unit)
    objective = Objective(title=title, business_unit=business_unit, **fields)
    objective.owner = objective.owner or actor
    validate(objective)
    objective.save()
    audit.record(actor=actor, action="objective.created", target=objective, after=snapshot(objective, OBJECTIVE_FIELDS))
    return objective


@transaction.atomic
def objective_update(*, actor, objective: Objective, reason: str = "", **changes) -> Objective:
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    require(actor, "change", objective)
    if set(changes) - set(OBJECTIVE_FIELDS):
        raise ApplicationError(f"Unknown objective fields: {', '.join(sorted(set(changes) - set(OBJECTIVE_FIELDS)))}.")
    if "business_unit" in changes and changes["business_unit"] != objective.business_unit:
        require_model_perm(actor, Objective, "change", business_unit=changes["business_unit"])
    before = snapshot(objective, changes)
    for field, value in changes.items():
        setattr(objective, field, value)
    validate(objective)
    objective.save()
    audit.record(
        actor=actor,
        action="objective.updated",
        target=objective,
        before=before,
        after=snapshot(objective, changes),
        reason=reason,
    )
    return objective


@transaction.atomic
def kpi_create(*, actor, objective: Objective, **fields) -> KPI:
    """A KPI of an objective, with a baseline and a later target."""
    require(actor, "change", objective)
    require_model_perm(actor, KPI, "add", business_unit=objective.business_unit)
    kpi = KPI(objective=objective, **fields)
    _check_kpi_dates(kpi)
    validate(kpi)
    kpi.save()
    audit.record(actor=actor, action="kpi.created", target=kpi, after=snapshot(kpi, ("objective", *KPI_FIELDS)))
    return kpi


@transaction.atomic
def kpi_update(*, actor, kpi: KPI, reason: str = "", **changes) -> KPI:
    kpi = KPI.objects.select_for_update().get(pk=kpi.pk)
    require(actor, "change", kpi)
    if set(changes) - set(KPI_FIELDS):
        raise ApplicationError(f"Unknown KPI fields: {', '.join(sorted(set(changes) - set(KPI_FIELDS)))}.")
    before = snapshot(kpi, changes)
    for field, value in changes.items():
        setattr(kpi, field, value)
    _check_kpi_dates(kpi)
    validate(kpi)
    kpi.save()
    audit.record(
        actor=actor, action="kpi.updated", target=kpi, before=before, after=snapshot(kpi, changes), reason=reason
    )
    return kpi


@transaction.atomic
def kpi_measurement_record(*, actor, kpi: KPI, measured_on: date, value: Decimal, note: str = "") -> KPIMeasurement:
    """Record the KPI's value on a date; a second value for the same date corrects the first, audited."""
    require_model_perm(actor, KPIMeasurement, "add", business_unit=kpi.objective.business_unit)
    return _measurement_write(actor=actor, kpi=kpi, measured_on=measured_on, value=value, note=note)


@transaction.atomic
def kpi_measurement_feed(*, kpi: KPI, measured_on: date, value: Decimal, note: str = "") -> KPIMeasurement | None:
    """Record a value computed by Lodestar itself (monitoring's metric feed; the actor is the system) for a KPI
    bound to a metric. Idempotent: the same value on the same date changes nothing and returns None; a new value
    for the date corrects it, audited."""
    if kpi.source != KPISource.METRIC:
        raise ApplicationError(f"KPI “{kpi}” is entered by hand; only a KPI bound to a metric is fed.")
    existing = KPIMeasurement.objects.filter(kpi=kpi, measured_on=measured_on).values_list("value", flat=True).first()
    if existing is not None and existing == value:
        return None
    return _measurement_write(actor=None, kpi=kpi, measured_on=measured_on, value=value, note=note)


def _measurement_write(*, actor, kpi: KPI, measured_on: date, value: Decimal, note: str) -> KPIMeasurement:
    if measured_on < kpi.baseline_date:
        raise ApplicationError(
            f"measured_on: {measured_on} is before the KPI's baseline date ({kpi.baseline_date}).",
            details={"measured_on": ["Before the baseline date."]},
        )
    existing = KPIMeasurement.objects.select_for_update().filter(kpi=kpi, measured_on=measured_on).first()
    before = {"value": existing.value, "note": existing.note} if existing else {}
    measurement = existing or KPIMeasurement(kpi=kpi, measured_on=measured_on)
    measurement.value, measurement.note, measurement.recorded_by = value, note, actor
    validate(measurement)
    measurement.save()
    audit.record(
        actor=actor,
        action="kpi.measured",
        target=kpi,
        before=before,
        after={"measured_on": measured_on, "value": value, "note": note},
    )
    return measurement


@transaction.atomic
def capability_create(*, actor, name: str, parent: Capability | None = None, description: str = "") -> Capability:
    require_model_perm(actor, Capability, "add")
    capability = Capability(name=name, parent=parent, description=description)
    validate(capability)
    capability.save()
    audit.record(
        actor=actor,
        action="capability.created",
        target=capability,
        after=snapshot(capability, ("name", "parent", "description")),
    )
    return capability

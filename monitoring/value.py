"""Value contracts: what a use case's models are worth per day, realised after each sync, the money an alert
puts at risk, and the unit economics of each production model.

A contract's formula reads catalogued metrics and declared constants. A metric's daily input is taken from
the points of the use case's production versions: per version and day (UTC) the mean of the day's points, or
their sum when the catalogue aggregates the metric by sum (requests, cost); then across versions the mean, or
the sum for a sum metric. A day is realised only when every metric of the formula has points that day."""

import logging
import math
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, NotAllowed
from core.permissions import can
from lifecycle.choices import Stage
from lifecycle.models import AIModel
from monitoring import currency as fx  # the parameter `currency` names a contract's currency
from monitoring import formula as formulas
from monitoring.models import (
    DailyAggregate,
    MetricDefinition,
    MetricPoint,
    MetricSeries,
    ValueContract,
    ValueRealisation,
)
from monitoring.selectors import combine_versions, daily_totals, day_ms

logger = logging.getLogger("lodestar.monitoring")
WINDOW_DAYS = 30  # shown on the use case page, recomputed when a contract is set, used by unit economics
MAX_CONSTANTS = 30
MAX_CONSTANT = 1e12
MAX_VALUE = Decimal("1e15")  # a day's value beyond this is treated as undefined (it is a formula mistake)
CURRENCY = re.compile(r"^[A-Za-z€$£¥ ]{1,10}$")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")
CENT = Decimal("0.01")
COST_CURRENCY = "USD"  # the currency costs are synced in (the catalogue's cost_usd)


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def _money(value: float | None) -> Decimal | None:
    if value is None or not math.isfinite(value):
        return None
    amount = Decimal(str(value)).quantize(CENT)
    return amount if abs(amount) < MAX_VALUE else None


# --- Validation ---------------------------------------------------------------------------------------


def _sample(definition: MetricDefinition) -> float:
    """A plausible value of the metric for the trial evaluation (a ratio between 0 and 1, else a count)."""
    return 0.73 if definition.unit == "ratio" else 137.0


def default_currency() -> str:
    """The portfolio's currency (settings.CURRENCY): the one projected values are in, so realised value compares."""
    return settings.CURRENCY


def contract_check(*, formula: str, constants, currency: str = "") -> tuple[formulas.Formula, dict, str]:
    """Parse the formula, check the constants and the names, and evaluate it once with sample values.
    Returns (parsed formula, clean constants, currency); raises ApplicationError naming what to fix."""
    try:
        parsed = formulas.parse(formula)
    except formulas.FormulaError as exc:
        raise ApplicationError(f"formula: {exc}", details={"formula": [str(exc)]}) from None
    if constants is None:
        constants = {}
    if not isinstance(constants, dict):
        raise ApplicationError(
            'constants: give name → number pairs, e.g. {"alerts_per_day": 40}.', details={"constants": ["Invalid."]}
        )
    if len(constants) > MAX_CONSTANTS:
        raise ApplicationError(
            f"constants: {len(constants)} given; keep it to {MAX_CONSTANTS}.", details={"constants": ["Too many."]}
        )
    catalogue = {d.name: d for d in MetricDefinition.objects.all()}
    clean = {}
    for name, number in constants.items():
        if not isinstance(name, str) or not NAME.match(name) or name in formulas.FUNCTIONS:
            raise ApplicationError(
                f"constants: “{str(name)[:60]}” is not a usable name (letters, digits and _, not starting with a "
                "digit).",
                details={"constants": ["Invalid name."]},
            )
        if name in catalogue:
            raise ApplicationError(
                f"constants: “{name}” is a catalogued metric; give the constant another name.",
                details={"constants": ["Clashes with a metric."]},
            )
        if isinstance(number, bool) or not isinstance(number, int | float | Decimal | str):
            raise ApplicationError(f"constants: {name} is not a number.", details={"constants": ["Not a number."]})
        try:
            value = float(number)
        except (TypeError, ValueError, OverflowError):
            raise ApplicationError(
                f"constants: {name} is not a number.", details={"constants": ["Not a number."]}
            ) from None
        if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
            raise ApplicationError(
                f"constants: {name} must be a finite number of at most {MAX_CONSTANT:.0e} in size.",
                details={"constants": ["Out of range."]},
            )
        clean[name] = value
    unknown = sorted(parsed.names - set(catalogue) - set(clean))
    if unknown:
        known = ", ".join(sorted(catalogue))
        declared = ", ".join(sorted(clean)) or "none"
        raise ApplicationError(
            f"formula: unknown name(s) {', '.join(unknown)}: use a catalogued metric ({known}) or declare a "
            f"constant (declared: {declared}).",
            details={"formula": [f"Unknown: {', '.join(unknown)}."]},
        )
    samples = {name: _sample(catalogue[name]) for name in parsed.names if name in catalogue}
    if parsed.evaluate({**samples, **clean}) is None:
        raise ApplicationError(
            "formula: it is undefined with sample values (a division by zero?): "
            + ", ".join(f"{k}={v:g}" for k, v in sorted(samples.items()))
            + ".",
            details={"formula": ["Undefined with sample values."]},
        )
    currency = (currency or default_currency()).strip()
    if not CURRENCY.match(currency):
        raise ApplicationError(
            "currency: give a short currency label, e.g. USD or EUR.", details={"currency": ["Invalid."]}
        )
    return parsed, clean, currency


def contract_metrics(contract: ValueContract) -> list[str]:
    """The catalogued metrics the contract's formula reads."""
    names = formulas.parse(contract.formula).names - set(contract.constants)
    return sorted(names)


# --- Setting a contract -------------------------------------------------------------------------------


@transaction.atomic
def value_contract_set(*, actor, use_case, formula: str, constants=None, currency: str = "") -> ValueContract:
    """Declare or change the use case's value contract (those who may change the use case), audited with the
    formula and constants before and after; the last 30 days are realised again at once."""
    if not can(actor, "view", use_case):
        raise NotAllowed(f"use_case: you may not see “{use_case}”.")
    if not can(actor, "change", use_case):
        raise NotAllowed(f"You may not change the value contract of {use_case.code}: ask its program manager.")
    parsed, clean, currency = contract_check(formula=formula, constants=constants, currency=currency)
    contract = ValueContract.objects.select_for_update().filter(use_case=use_case).first()
    before = {}
    if contract is None:
        contract = ValueContract(use_case=use_case, created_by=actor)
    else:
        before = {"formula": contract.formula, "constants": contract.constants, "currency": contract.currency}
        if before == {"formula": parsed.text, "constants": clean, "currency": currency}:
            return contract  # nothing changes: no event
    contract.formula, contract.constants, contract.currency = parsed.text, clean, currency
    contract.save()
    audit.record(
        actor=actor,
        action="value_contract.changed" if before else "value_contract.set",
        target=use_case,
        before=before,
        after={"formula": contract.formula, "constants": clean, "currency": currency},
    )
    value_realise(use_case=use_case, start=_today() - timedelta(days=WINDOW_DAYS), contract=contract)
    return contract


# --- Realised value -----------------------------------------------------------------------------------


def _daily_cells(*, use_case_ids, names, start: date, end: date) -> dict[tuple, dict[int, list[float]]]:
    """{(use case id, day, metric): {version id: [sum, count]}} of the named metrics over the production
    versions of the use cases, from `start` to `end` included."""
    series = MetricSeries.objects.filter(
        model_version__stage=Stage.PRODUCTION,
        model_version__model__use_case_id__in=use_case_ids,
        metric__name__in=names,
    )
    keys = ("model_version__model__use_case_id", "model_version_id", "metric__name")
    cells: dict[tuple, dict[int, list[float]]] = defaultdict(dict)
    for (use_case_id, version_id, name, day), sums in daily_totals(
        series=series, keys=keys, start=start, end=end
    ).items():
        cells[(use_case_id, day, name)][version_id] = sums
    return cells


def daily_inputs(*, use_case_ids, names, start: date, end: date) -> dict[int, dict[date, dict[str, float]]]:
    """{use case id: {day: {metric: value}}} of the named metrics over the production versions of the use
    cases, from `start` to `end` included, aggregated in the database."""
    catalogue = {d.name: d for d in MetricDefinition.objects.filter(name__in=names)}
    cells = _daily_cells(use_case_ids=use_case_ids, names=names, start=start, end=end)
    result: dict[int, dict[date, dict[str, float]]] = defaultdict(dict)
    for (use_case_id, day, name), by_version in cells.items():
        result[use_case_id].setdefault(day, {})[name] = combine_versions(by_version, catalogue[name].aggregation)
    return result


def _foreign_money(contract: ValueContract, names) -> dict[str, str]:
    """{metric: its currency} for the metrics among `names` counted in a currency other than the contract's
    (cost_usd in a EUR contract): they are converted before the formula combines them with anything."""
    return {
        d.name: d.unit
        for d in MetricDefinition.objects.filter(name__in=list(names))
        if fx.is_currency(d.unit) and d.unit != contract.currency
    }


def contract_conversions(contract: ValueContract, *, on: date) -> list[tuple[str, str, "fx.Rate | None"]]:
    """(metric, its currency, the rate in force on `on` or None) for each money metric of the contract's formula
    counted in another currency: what its panel says it converts, or that it cannot for want of a rate."""
    foreign = _foreign_money(contract, contract_metrics(contract))
    return [(name, unit, fx.rate_on(source=unit, target=contract.currency, on=on)) for name, unit in foreign.items()]


def _in_contract_currency(inputs: dict, foreign: dict[str, str], rates: dict[str, fx.Rate | None]):
    """The inputs with each foreign money metric converted at its rate; None when a rate is missing."""
    converted = dict(inputs)
    for name, unit in foreign.items():
        if name in converted:
            if rates.get(unit) is None:
                return None
            converted[name] = float(Decimal(str(converted[name])) * rates[unit].factor)
    return converted


def _realisations(contract: ValueContract, by_day: dict[date, dict[str, float]]) -> dict[date, tuple]:
    """{day: (value or None, inputs)} for the days on which every metric of the formula has points, and every
    money metric in another currency a rate in force (a day without one is not realised: a USD cost is never
    subtracted from a EUR value). The inputs are stored as synced; the value is in the contract's currency."""
    parsed = formulas.parse(contract.formula)
    metrics = parsed.names - set(contract.constants)
    foreign = _foreign_money(contract, metrics)
    rates = {
        unit: fx.rates_by_day(source=unit, target=contract.currency, days=by_day) for unit in set(foreign.values())
    }
    found = {}
    for day, values in by_day.items():
        if not metrics <= set(values):
            continue
        inputs = {name: values[name] for name in sorted(metrics)}
        converted = _in_contract_currency(inputs, foreign, {unit: per_day[day] for unit, per_day in rates.items()})
        if converted is None:
            continue
        found[day] = (_money(parsed.evaluate({**converted, **contract.constants})), inputs)
    return found


def value_realise(*, use_case, start: date, end: date | None = None, contract: ValueContract | None = None) -> dict:
    """Compute and store the realised value of each day from `start` to `end` (today) for one use case:
    created, or updated in place when recomputed (unique per use case and day). Returns {"written": n}."""
    contract = contract or ValueContract.objects.filter(use_case=use_case).first()
    if contract is None:
        return {"written": 0}
    end = end or _today()
    names = contract_metrics(contract)
    by_day = daily_inputs(use_case_ids=[use_case.pk], names=names, start=start, end=end).get(use_case.pk, {})
    return _store(contract, _realisations(contract, by_day), start=start, end=end)


@transaction.atomic
def _store(contract: ValueContract, found: dict[date, tuple], *, start: date, end: date) -> dict:
    existing = {
        r.day: r
        for r in ValueRealisation.objects.select_for_update().filter(
            use_case_id=contract.use_case_id, day__gte=start, day__lte=end
        )
    }
    created, updated = [], []
    for day, (value, inputs) in sorted(found.items()):
        row = existing.get(day)
        if row is None:
            created.append(ValueRealisation(use_case_id=contract.use_case_id, day=day, value=value, inputs=inputs))
        elif row.value != value or row.inputs != inputs:
            row.value, row.inputs = value, inputs
            updated.append(row)
    ValueRealisation.objects.bulk_create(created, batch_size=500)
    ValueRealisation.objects.bulk_update(updated, ["value", "inputs", "computed_at"], batch_size=500)
    return {"written": len(created) + len(updated)}


def values_realise(*, since: datetime | None = None) -> dict:
    """After a sync: realise the days from each contract's latest realised day (it may have grown) or the last
    30 days, for the use cases whose production versions had series synced since `since` (every contract
    when None). One use case's failure is logged and the others go on."""
    contracts = ValueContract.objects.select_related("use_case").order_by("pk")
    if since is not None:
        touched = MetricSeries.objects.filter(model_version__stage=Stage.PRODUCTION, synced_at__gte=since)
        contracts = contracts.filter(use_case__models__versions__metric_series__in=touched).distinct()
    latest = dict(
        ValueRealisation.objects.values("use_case_id").annotate(day=Max("day")).values_list("use_case_id", "day")
    )
    floor = _today() - timedelta(days=WINDOW_DAYS)
    written, problems = 0, []
    for contract in contracts:
        start = max(latest.get(contract.use_case_id) or floor, floor)
        try:
            written += value_realise(use_case=contract.use_case, start=start, contract=contract)["written"]
        except Exception as exc:  # one use case's bad data must not stop the others
            logger.exception("Realising the value of use case %s failed", contract.use_case_id)
            problems.append(f"{contract.use_case.code}: {exc}")
    return {"written": written, "problems": problems}


def values_recompute(*, start: date, end: date, use_case=None) -> dict:
    """Realise again every day of a date range, for one use case or every use case with a contract."""
    if end < start:
        raise ApplicationError(f"end: the range ends ({end}) before it starts ({start}).")
    contracts = ValueContract.objects.select_related("use_case").order_by("pk")
    if use_case is not None:
        contracts = contracts.filter(use_case=use_case)
    written = 0
    for contract in contracts:
        written += value_realise(use_case=contract.use_case, start=start, end=end, contract=contract)["written"]
    return {"contracts": len(contracts), "written": written}


# --- Money at risk ------------------------------------------------------------------------------------


def money_at_risk(*, series: MetricSeries, value: float) -> Decimal | None:
    """What the use case's contract loses per day if this version's metric stood at `value` on the latest
    realised day, the use case's other production models unchanged: the value with that day's inputs minus
    the value with this version's share of the metric replaced, never below zero. None when the version is
    not in production, the use case has no contract, its formula does not read the metric, or no day has
    been realised yet."""
    version = series.model_version
    if version.stage != Stage.PRODUCTION:
        return None
    use_case_id = version.model.use_case_id
    contract = ValueContract.objects.filter(use_case_id=use_case_id).first()
    if contract is None:
        return None
    parsed = formulas.parse(contract.formula)
    metric = series.metric.name
    if metric not in parsed.names or metric in contract.constants:
        return None
    latest = (
        ValueRealisation.objects.filter(use_case_id=use_case_id)
        .exclude(inputs={})
        .order_by("-day")
        .values_list("day", "inputs")
        .first()
    )
    if not latest or not math.isfinite(value):
        return None
    day, inputs = latest[0], {**latest[1], **contract.constants}
    if parsed.names - set(inputs):
        return None  # the formula changed since that day and reads a metric it lacks
    by_version = _daily_cells(use_case_ids=[use_case_id], names=[metric], start=day, end=day).get(
        (use_case_id, day, metric), {}
    )
    _, count = by_version.get(version.pk, (0.0, 1))  # a version silent that day counts with one point
    replaced = {**by_version, version.pk: [value * count, count]}
    foreign = _foreign_money(contract, parsed.names)
    rates = {unit: fx.rate_on(source=unit, target=contract.currency, on=day) for unit in set(foreign.values())}
    now_inputs = _in_contract_currency(inputs, foreign, rates)
    then_inputs = _in_contract_currency(
        {**inputs, metric: combine_versions(replaced, series.metric.aggregation)}, foreign, rates
    )
    if now_inputs is None or then_inputs is None:
        return None
    now, then = parsed.evaluate(now_inputs), parsed.evaluate(then_inputs)
    if now is None or then is None:
        return None
    return _money(max(now - then, 0.0))


# --- Reads --------------------------------------------------------------------------------------------


def realisation_list(*, user, use_case=None):
    rows = ValueRealisation.objects.restrict(user, "view")
    return rows.filter(use_case=use_case) if use_case is not None else rows


def projected_per_day(use_case) -> Decimal:
    """The use case's estimated annual value, per day."""
    return (use_case.estimated_value / Decimal(365)).quantize(CENT)


def unit_economics(*, user, days: int = WINDOW_DAYS, unit: str | None = None) -> list[dict]:
    """Per production model the user may see, over the last `days` days: cost per 1,000 predictions (cost_usd
    ÷ requests × 1000) against value per 1,000 predictions (its use case's realised value ÷ the requests of
    the use case's production models × 1000) and the margin, worst first. The cost is converted into the
    value's currency at the rate in force today (`rate`); without a recorded rate the margin is None (the two
    are shown apart) and such rows come last. Models without requests, or whose use case has no realised
    value, are left out. Four queries, and one per currency of value."""
    start = _today() - timedelta(days=days)
    series = MetricSeries.objects.restrict(user, "view").filter(
        model_version__stage=Stage.PRODUCTION, metric__name__in=("cost_usd", "requests")
    )
    if unit:
        series = series.filter(model_version__model__use_case__business_unit__code=unit)
    keys = ("series__model_version__model_id", "series__metric__name")
    totals: dict[int, dict[str, float]] = defaultdict(lambda: {"cost_usd": 0.0, "requests": 0.0})
    for rows, where, amount in (
        (MetricPoint.objects, {"timestamp__gte": day_ms(start)}, "value"),
        (DailyAggregate.objects, {"day__gte": start}, "total"),
    ):
        for row in (
            rows.filter(series__in=series.values("pk"), **where).values(*keys).annotate(s=Sum(amount)).order_by()
        ):
            totals[row[keys[0]]][row[keys[1]]] += row["s"] or 0.0
    models = {
        m.pk: m
        for m in AIModel.objects.restrict(user, "view")
        .filter(pk__in=list(totals))
        .select_related("use_case__business_unit", "use_case__value_contract")
    }
    value = dict(
        realisation_list(user=user)
        .filter(day__gt=start, use_case_id__in={m.use_case_id for m in models.values()})
        .values("use_case_id")
        .annotate(total=Sum("value"))
        .values_list("use_case_id", "total")
    )
    use_case_requests: dict[int, float] = defaultdict(float)
    for pk, model in models.items():
        use_case_requests[model.use_case_id] += totals[pk]["requests"]
    rows, rates = [], {}
    for pk, model in models.items():
        requests, spent = totals[pk]["requests"], totals[pk]["cost_usd"]
        realised = value.get(model.use_case_id)
        if requests <= 0 or realised is None or use_case_requests[model.use_case_id] <= 0:
            continue
        cost_per_k = spent / requests * 1000
        value_per_k = float(realised) / use_case_requests[model.use_case_id] * 1000
        contract = getattr(model.use_case, "value_contract", None)
        in_currency = contract.currency if contract else default_currency()
        if in_currency not in rates:
            rates[in_currency] = fx.rate_on(source=COST_CURRENCY, target=in_currency, on=_today())
        rate = rates[in_currency]
        converted = cost_per_k * float(rate.factor) if rate else None
        rows.append(
            {
                "model_id": pk,
                "model": model.name,
                "use_case": model.use_case.code,
                "use_case_id": model.use_case_id,
                "unit": model.use_case.business_unit.code,
                "currency": in_currency,
                "requests": round(requests),
                "cost": round(spent, 2),
                "cost_per_1000": round(cost_per_k, 4),
                "cost_per_1000_converted": round(converted, 4) if rate else None,
                "rate": rate,
                "value_per_1000": round(value_per_k, 4),
                "margin_per_1000": round(value_per_k - converted, 4) if rate else None,
            }
        )
    return sorted(rows, key=lambda r: (r["margin_per_1000"] is None, r["margin_per_1000"] or 0, r["model"]))


def missing_rates(rows: list[dict]) -> list[str]:
    """The currencies of value that unit economics could not compare with USD costs for want of a rate."""
    return sorted({r["currency"] for r in rows if r["rate"] is None})


def negative_margins(*, user, days: int = WINDOW_DAYS, unit: str | None = None) -> list[dict]:
    """The models of `unit_economics` whose value per prediction is below their cost per prediction."""
    rows = unit_economics(user=user, days=days, unit=unit)
    return [row for row in rows if row["margin_per_1000"] is not None and row["margin_per_1000"] < 0]

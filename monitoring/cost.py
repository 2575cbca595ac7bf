"""Cost selectors: monthly spend by business unit and by model, budgets in force, models over budget, and a
6-month forecast. Shared by the cost page, the API and the executive dashboard: each takes `user` (what they
may see), returns plain lists of dicts, and runs a fixed number of queries whatever the data.

Spend is the sum of the points of the catalogued cost metrics in USD that add up (kind "cost", unit "USD",
aggregation "sum", e.g. `cost_usd`): raw points, plus the daily aggregates that older points were rolled up
into. Months are calendar months in UTC, as MLflow's timestamps are."""

from collections import defaultdict
from datetime import UTC, date, datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from monitoring import forecast as maths
from monitoring.choices import Aggregation, MetricKind
from monitoring.models import Budget, DailyAggregate, MetricPoint, MetricSeries

_UNIT = "series__model_version__model__use_case__business_unit"
_MODEL = "series__model_version__model"
TOTAL = "total"
FORECAST_HISTORY = 12  # complete months a forecast is drawn from


# --- Months --------------------------------------------------------------------------------------------


def _month_start(day: date, shift: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def _months(count: int, *, today: date | None = None) -> list[date]:
    """The first days of the last `count` months, the current one last."""
    current = _month_start(today or _today())
    return [_month_start(current, shift) for shift in range(1 - count, 1)]


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


# --- Spend ---------------------------------------------------------------------------------------------


def cost_series(*, user, unit: str | None = None) -> QuerySet[MetricSeries]:
    """The series of spend in USD the user may see, in one unit (by code) or all."""
    series = MetricSeries.objects.restrict(user, "view").filter(
        metric__kind=MetricKind.COST, metric__unit="USD", metric__aggregation=Aggregation.SUM
    )
    if unit:
        series = series.filter(model_version__model__use_case__business_unit__code=unit)
    return series


def _spend(*, user, months: list[date], unit: str | None, by: dict[str, str]) -> dict[tuple, float]:
    """{(month index, *by values): USD} over the months, summed in the database: one query over the raw
    points and one over the daily aggregates."""
    edges = [*months[1:], _month_start(months[-1], 1)]
    series = cost_series(user=user, unit=unit).values("pk")
    totals: dict[tuple, float] = defaultdict(float)
    for rows, field, bound, amount in (
        (MetricPoint.objects, "timestamp", _ms, "value"),
        (DailyAggregate.objects, "day", lambda d: d, "total"),
    ):
        month = Case(
            *(When(**{f"{field}__lt": bound(edge)}, then=Value(i)) for i, edge in enumerate(edges)),
            output_field=IntegerField(),
        )
        query = (
            rows.filter(series__in=series, **{f"{field}__gte": bound(months[0]), f"{field}__lt": bound(edges[-1])})
            .annotate(month=month, **{k: F(path) for k, path in by.items()})
            .values("month", *by)
            .annotate(cost=Sum(amount))
            .order_by()
        )
        for row in query:
            totals[(row["month"], *(row[k] for k in by))] += row["cost"] or 0.0
    return totals


def monthly_cost_by_unit(*, user, months: int = 12, unit: str | None = None) -> list[dict]:
    """Spend per business unit and month over the last `months` months (the current one is partial):
    [{"month": "2026-05", "unit": "RETAIL", "unit_name": "Retail", "cost": 1234.5, "partial": False}]."""
    grid = _months(months)
    spend = _spend(
        user=user, months=grid, unit=unit, by={"unit_code": f"{_UNIT}__code", "unit_label": f"{_UNIT}__name"}
    )
    return sorted(
        (
            {
                "month": month_key(grid[m]),
                "unit": code,
                "unit_name": name,
                "cost": round(cost, 2),
                "partial": m == len(grid) - 1,
            }
            for (m, code, name), cost in spend.items()
        ),
        key=lambda row: (row["month"], row["unit"]),
    )


def monthly_cost_by_model(*, user, months: int = 12, unit: str | None = None) -> list[dict]:
    """Spend per model and month: [{"month", "model_id", "model", "unit", "cost", "partial"}]."""
    grid = _months(months)
    spend = _spend(
        user=user,
        months=grid,
        unit=unit,
        by={"model_pk": f"{_MODEL}_id", "model_name": f"{_MODEL}__name", "unit_code": f"{_UNIT}__code"},
    )
    return sorted(
        (
            {
                "month": month_key(grid[m]),
                "model_id": pk,
                "model": name,
                "unit": code,
                "cost": round(cost, 2),
                "partial": m == len(grid) - 1,
            }
            for (m, pk, name, code), cost in spend.items()
        ),
        key=lambda row: (row["month"], row["model"]),
    )


# --- Budgets -------------------------------------------------------------------------------------------


def budget_list(*, user, unit: str | None = None) -> QuerySet[Budget]:
    budgets = Budget.objects.restrict(user, "view").select_related("model", "business_unit", "created_by")
    return budgets.filter(business_unit__code=unit) if unit else budgets


def _budget_terms(budgets: QuerySet[Budget]):
    """Only what the budget arithmetic reads, oldest start first: no model instances for hundreds of budgets."""
    return (
        budgets.order_by("valid_from", "pk")
        .annotate(unit_code=F("business_unit__code"))
        .values_list("model_id", "unit_code", "monthly_amount", "valid_from", "valid_to", named=True)
    )


def _in_force(budgets: list, month: date):
    """The budget of one scope in force in `month`: the latest start at or before it, not ended before it."""
    current = None
    for budget in budgets:  # oldest first
        if budget.valid_from <= month:
            current = budget
    if current is None or (current.valid_to is not None and current.valid_to < month):
        return None
    return current


def _scopes(budgets) -> tuple[dict, dict]:
    """({unit code: its own budgets}, {unit code: {model id: the model's budgets}}), each history oldest first."""
    units: dict[str, list] = defaultdict(list)
    models: dict[str, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for budget in budgets:
        if budget.model_id:
            models[budget.unit_code][budget.model_id].append(budget)
        else:
            units[budget.unit_code].append(budget)
    return units, models


def budget_lines(*, user, unit: str | None = None, months: int = 12, ahead: int = 6) -> list[dict]:
    """The monthly budget per unit over the last `months` months and the next `ahead`, and their total when no
    unit is asked: [{"month", "unit" (a code, or "total"), "budget"}]. A unit's budget is its own when it has
    one that month, otherwise the sum of its models' budgets. One query."""
    grid = _months(months) + [_month_start(_today(), shift) for shift in range(1, ahead + 1)]
    budgets = budget_list(user=user, unit=unit).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=grid[0]))
    unit_budgets, model_budgets = _scopes(_budget_terms(budgets))
    codes = sorted({*unit_budgets, *model_budgets})
    rows = []
    for month in grid:
        by_unit: dict[str, float] = {}
        for code in codes:
            own = _in_force(unit_budgets.get(code, []), month)
            if own is not None:
                by_unit[code] = float(own.monthly_amount)
                continue
            found = [b for history in model_budgets.get(code, {}).values() if (b := _in_force(history, month))]
            if found:
                by_unit[code] = sum(float(b.monthly_amount) for b in found)
        rows += [{"month": month_key(month), "unit": code, "budget": amount} for code, amount in by_unit.items()]
        if not unit and by_unit:
            rows.append({"month": month_key(month), "unit": TOTAL, "budget": sum(by_unit.values())})
    return rows


def models_over_budget(*, user, unit: str | None = None) -> list[dict]:
    """Models whose spend this month is above their budget for the month, or heads there at this month's pace,
    worst first: [{"model_id", "model", "unit", "budget", "cost", "projected", "used", "over"}] with `cost` the
    spend so far, `projected` that spend extended to the whole month (spend ÷ days begun × days in the month),
    `used` the share of the budget spent and `over` whether it is spent already. Three queries."""
    today = _today()
    month = _month_start(today)
    days = (_month_start(today, 1) - month).days
    budgets = budget_list(user=user, unit=unit).filter(model__isnull=False, valid_from__lte=month)
    _, by_unit = _scopes(_budget_terms(budgets.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))))
    histories = {model_id: history for by_model in by_unit.values() for model_id, history in by_model.items()}
    spent = {row["model_id"]: row for row in monthly_cost_by_model(user=user, months=1, unit=unit) if row["cost"] > 0}
    over = []
    for model_id, history in histories.items():
        budget = _in_force(history, month)
        row = spent.get(model_id)
        if budget is None or row is None:
            continue
        amount, projected = float(budget.monthly_amount), round(row["cost"] * days / today.day, 2)
        if projected <= amount:
            continue
        over.append(
            {
                "model_id": model_id,
                "model": row["model"],
                "unit": row["unit"],
                "budget": amount,
                "cost": row["cost"],
                "projected": projected,
                "used": round(row["cost"] / amount, 3) if amount else None,
                "over": row["cost"] > amount,
            }
        )
    return sorted(over, key=lambda r: -r["projected"] / r["budget"] if r["budget"] else float("-inf"))


# --- Forecast ------------------------------------------------------------------------------------------


def cost_forecast(
    *,
    user,
    months: int = 6,
    unit: str | None = None,
    history: int = FORECAST_HISTORY,
    level: float = 0.9,
    spend: list[dict] | None = None,
) -> list[dict]:
    """A linear-trend forecast of the next `months` months of spend per unit, and in total when no unit is
    asked, from the complete months of the last `history` (the current month is partial and left out; months
    without spend after the first one with spend count as zero). Fewer than 3 complete months: no forecast,
    and `message` says why. [{"unit", "unit_name", "history": [{"month", "cost"}], "forecast": [{"month",
    "cost", "low", "high"}], "slope", "message"}]; costs below zero are shown as zero. Two queries, none
    when `spend` (rows of `monthly_cost_by_unit` over at least `history` + 1 months) is given."""
    grid = _months(history + 1)[:-1]  # complete months only
    rows = monthly_cost_by_unit(user=user, months=history + 1, unit=unit) if spend is None else spend
    keys = [month_key(m) for m in grid]
    by_scope: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(keys, 0.0))
    names = {}
    for row in rows:
        if row["partial"] or row["month"] < keys[0]:
            continue
        by_scope[row["unit"]][row["month"]] += row["cost"]
        names[row["unit"]] = row["unit_name"]
        if not unit:
            by_scope[TOTAL][row["month"]] += row["cost"]
    names[TOTAL] = "All units"
    ahead = [month_key(_month_start(_today(), shift)) for shift in range(1, months + 1)]
    result = []
    for scope in sorted(by_scope, key=lambda s: (s == TOTAL, s)):
        values = list(by_scope[scope].values())
        first = next(i for i, v in enumerate(values) if v) if any(values) else len(values)
        used = list(zip(keys[first:], values[first:], strict=True))
        trend = maths.linear_forecast([v for _, v in used], horizon=months, level=level)
        entry = {
            "unit": scope,
            "unit_name": names.get(scope, scope),
            "history": [{"month": m, "cost": round(v, 2)} for m, v in used],
            "forecast": [],
            "slope": None,
            "message": "",
        }
        if trend is None:
            entry["message"] = (
                f"No forecast: {len(used)} complete month(s) of cost history; a trend needs at least "
                f"{maths.MIN_HISTORY}."
            )
        else:
            entry["slope"] = round(trend.slope, 2)
            entry["forecast"] = [
                {"month": m, "cost": round(max(c, 0.0), 2), "low": round(max(lo, 0.0), 2), "high": round(hi, 2)}
                for m, c, lo, hi in zip(ahead, trend.predicted, trend.low, trend.high, strict=True)
            ]
        result.append(entry)
    return result


def spend_and_forecast(*, user, unit: str | None = None, months: int = 12, ahead: int = 6) -> tuple[list, list]:
    """`monthly_cost_by_unit` over `months` and `cost_forecast` of the next `ahead` months from one read of
    the spend (the forecast's FORECAST_HISTORY complete months and the history shown are the same rows)."""
    rows = monthly_cost_by_unit(user=user, months=max(months, FORECAST_HISTORY + 1), unit=unit)
    shown = month_key(_months(months)[0])
    history = [row for row in rows if row["month"] >= shown]
    return history, cost_forecast(user=user, months=ahead, unit=unit, history=FORECAST_HISTORY, spend=rows)


def forecast_method(level: float = 0.9) -> str:
    return maths.METHOD.format(level=level)

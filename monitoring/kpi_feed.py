"""KPIs bound to a metric get one measurement per day from the metrics of the models that serve them.

Which models: the KPI's objective → the use cases linked to that objective → their models' versions in
production now → the series of the bound metric (every run watching the version). Which value: per version
and day (UTC), the mean of the day's points, or their sum when the metric's definition aggregates by sum
(requests, cost); then across versions, the mean, or the sum for a sum metric. Written through portfolio's
`kpi_measurement_feed` (validated, audited as the system), from the day of the KPI's latest measurement (it
may have grown since) or its baseline date; the same value on the same day is not written again."""

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Max, Sum, Value

from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.choices import Aggregation
from monitoring.models import DailyAggregate, MetricDefinition, MetricPoint
from portfolio import services as portfolio
from portfolio.choices import KPISource
from portfolio.models import KPI

logger = logging.getLogger("lodestar.monitoring")
DAY_MS = 86_400_000


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def _daily(definition: MetricDefinition, versions, start: date) -> dict[date, dict[int, tuple[float, int]]]:
    """{day: {version id: (sum of the day's values, how many)}} from the raw points and the daily roll-ups."""
    days: dict[date, dict[int, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    epoch = date(1970, 1, 1)
    raw = (
        MetricPoint.objects.filter(
            series__model_version__in=versions, series__metric=definition, timestamp__gte=_ms(start)
        )
        .annotate(day=ExpressionWrapper(F("timestamp") / Value(DAY_MS), output_field=BigIntegerField()))
        .values("series__model_version_id", "day")
        .annotate(total=Sum("value"), count=Count("pk"))
        .order_by()
    )
    for row in raw:
        cell = days[epoch + timedelta(days=row["day"])][row["series__model_version_id"]]
        cell[0] += row["total"]
        cell[1] += row["count"]
    rolled = (
        DailyAggregate.objects.filter(series__model_version__in=versions, series__metric=definition, day__gte=start)
        .values("series__model_version_id", "day")
        .annotate(total=Sum("total"), count=Sum("count"))
        .order_by()
    )
    for row in rolled:
        cell = days[row["day"]][row["series__model_version_id"]]
        cell[0] += row["total"]
        cell[1] += row["count"]
    return {day: {v: (c[0], c[1]) for v, c in by_version.items()} for day, by_version in days.items()}


def kpi_value(definition: MetricDefinition, by_version: dict[int, tuple[float, int]]) -> float:
    """One day's KPI value from each version's (sum, count) of the day."""
    if definition.aggregation == Aggregation.SUM:
        return sum(total for total, _ in by_version.values())
    means = [total / count for total, count in by_version.values() if count]
    return sum(means) / len(means)


def kpi_feed(*, kpi: KPI, definitions: dict[str, MetricDefinition] | None = None) -> dict:
    """Write the daily measurements of one metric-bound KPI; returns {"written": n, "problem": "..."}."""
    definitions = definitions if definitions is not None else {}
    definition = definitions.get(kpi.metric_binding) or MetricDefinition.objects.filter(name=kpi.metric_binding).first()
    if definition is None:
        return {"written": 0, "problem": f"KPI “{kpi.name}”: no catalogued metric is called “{kpi.metric_binding}”."}
    versions = ModelVersion.objects.filter(
        stage=Stage.PRODUCTION, model__use_case__objective_links__objective_id=kpi.objective_id
    ).values("pk")
    latest = kpi.measurements.aggregate(day=Max("measured_on"))["day"]
    start = max(latest or kpi.baseline_date, kpi.baseline_date)
    written = 0
    for day, by_version in sorted(_daily(definition, versions, start).items()):
        value = Decimal(str(kpi_value(definition, by_version))).quantize(Decimal("0.0001"))
        how = "sum" if definition.aggregation == Aggregation.SUM else "mean"
        note = f"{definition.name}: {how} over {len(by_version)} production version(s)"
        if portfolio.kpi_measurement_feed(kpi=kpi, measured_on=day, value=value, note=note) is not None:
            written += 1
    return {"written": written, "problem": ""}


def kpis_feed() -> dict:
    """Feed every KPI bound to a metric (after each sync). A KPI whose feed fails is logged and skipped."""
    kpis = list(KPI.objects.filter(source=KPISource.METRIC).exclude(metric_binding="").order_by("pk"))
    definitions = {d.name: d for d in MetricDefinition.objects.filter(name__in={k.metric_binding for k in kpis})}
    written, problems = 0, []
    for kpi in kpis:
        try:
            outcome = kpi_feed(kpi=kpi, definitions=definitions)
        except Exception as exc:  # one KPI's bad data must not stop the others
            logger.exception("Feeding KPI %s failed", kpi.pk)
            outcome = {"written": 0, "problem": f"KPI “{kpi.name}”: {exc}"}
        written += outcome["written"]
        if outcome["problem"]:
            problems.append(outcome["problem"])
    return {"kpis": len(kpis), "written": written, "problems": problems}

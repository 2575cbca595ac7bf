"""KPIs bound to a metric get one measurement per day from the metrics of the models that serve them.

Which models: the KPI's objective → the use cases linked to that objective → their models' versions in
production now → the series of the bound metric (every run watching the version). Which value: per version
and day (UTC), the mean of the day's points, or their sum when the metric's definition aggregates by sum
(requests, cost); then across versions, the mean, or the sum for a sum metric. Written through portfolio's
`kpi_measurement_feed` (validated, audited as the system), from the day of the KPI's latest measurement (it
may have grown since) or its baseline date; the same value on the same day is not written again."""

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Max

from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.choices import Aggregation
from monitoring.models import MetricDefinition, MetricSeries
from monitoring.selectors import combine_versions, daily_totals
from portfolio import services as portfolio
from portfolio.choices import KPISource
from portfolio.models import KPI

logger = logging.getLogger("lodestar.monitoring")


def _daily(definition: MetricDefinition, versions, start: date) -> dict[date, dict[int, list[float]]]:
    """{day: {version id: [sum of the day's values, how many]}} from the raw points and the daily roll-ups."""
    series = MetricSeries.objects.filter(model_version__in=versions, metric=definition)
    days: dict[date, dict[int, list[float]]] = defaultdict(dict)
    for (version_id, day), sums in daily_totals(series=series, keys=("model_version_id",), start=start).items():
        days[day][version_id] = sums
    return days


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
        value = Decimal(str(combine_versions(by_version, definition.aggregation))).quantize(Decimal("0.0001"))
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

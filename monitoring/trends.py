"""Trends of a version's drift and performance metrics over a window of UTC days: raw points and the daily
roll-ups of older ones merged into one daily mean per metric, aggregated in the database."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from monitoring.choices import Condition, MetricKind
from monitoring.models import AlertRule, MetricDefinition
from monitoring.selectors import daily_totals, rules_in_scope, series_list

WINDOWS = (30, 90, 365)  # days a version page may show
DEFAULT_WINDOW = 90
TREND_KINDS = (MetricKind.DRIFT, MetricKind.PERFORMANCE)


@dataclass
class Trend:
    metric: MetricDefinition
    days: list[date] = field(default_factory=list)
    means: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # points behind each daily mean
    rules: list[AlertRule] = field(default_factory=list)  # active threshold rules (above/below) in scope


def window_days(*, days: int, today: date) -> tuple[date, date]:
    """The first and last UTC day of a window of `days` days ending today."""
    return today - timedelta(days=days - 1), today


def version_trends(*, user, version, days: int, today: date) -> list[Trend]:
    """One Trend per catalogued drift or performance metric the version has series of, with its daily means
    over the window (metrics without a point in it come with empty lists). Four queries whatever the
    number of metrics, series, points and roll-ups."""
    first, _ = window_days(days=days, today=today)
    series = series_list(user=user).filter(model_version=version, metric__kind__in=TREND_KINDS)
    trends = {
        m.pk: Trend(metric=m)
        for m in MetricDefinition.objects.filter(series__in=series).distinct().order_by("kind", "name")
    }
    totals = daily_totals(series=series, keys=("metric_id",), start=first)
    for (metric_id, day), (total, n) in sorted(totals.items(), key=lambda item: item[0][1]):
        trend = trends[metric_id]
        trend.days.append(day)
        trend.means.append(total / n)
        trend.counts.append(n)
    for rule in threshold_rules(version=version, metric_ids=list(trends)):
        trends[rule.metric_id].rules.append(rule)
    return list(trends.values())


def threshold_rules(*, version, metric_ids) -> list[AlertRule]:
    """Active rules with a threshold in the metric's own unit (above/below) watching the version."""
    return list(
        rules_in_scope(version=version)
        .filter(metric_id__in=metric_ids, condition__in=[Condition.ABOVE, Condition.BELOW])
        .order_by("threshold", "pk")
    )

"""Reads of monitoring that the pages and the API share."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import BigIntegerField, Case, Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When

from core.permissions import sees_everything
from lifecycle import mlflow_client
from lifecycle.models import ModelVersion
from monitoring.choices import Aggregation, AlertStatus, HealthStatus, ScopeKind, SyncStatus

# The cost selectors live in monitoring.cost; the dashboards may import them from here too.
from monitoring.cost import (  # noqa: F401
    budget_lines,
    cost_forecast,
    models_over_budget,
    monthly_cost_by_model,
    monthly_cost_by_unit,
)

# Feedback per model (adoption and satisfaction), for the pages and the data-science dashboard.
from monitoring.feedback import FeedbackSummary, feedback_list, feedback_summary  # noqa: F401
from monitoring.models import (
    Alert,
    AlertRule,
    DailyAggregate,
    HealthCheck,
    MetricPoint,
    MetricSeries,
    RetrainingRequest,
    RetrainingSchedule,
    SyncRun,
    WebhookDelivery,
    WebhookEndpoint,
)


@dataclass(frozen=True)
class Freshness:
    """How fresh the metrics are: the last successful sync, and whether the data may be stale."""

    last_success: datetime | None
    stale: bool
    reason: str = ""


def sync_freshness() -> Freshness:
    """Stale when the last finished sync failed (or partly failed), no sync has succeeded yet, or the MLflow
    circuit is open in this process. Two queries; never calls MLflow, so pages render while it is down."""
    last_success = (
        SyncRun.objects.filter(status=SyncStatus.SUCCEEDED)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
    ).first()
    last_finished = SyncRun.objects.exclude(status=SyncStatus.RUNNING).order_by("-started_at").first()
    if mlflow_client.breaker.is_open:
        return Freshness(last_success, True, "MLflow is unreachable")
    if last_finished is not None and last_finished.status != SyncStatus.SUCCEEDED:
        return Freshness(last_success, True, f"the last sync {last_finished.get_status_display().lower()}")
    if last_success is None:
        return Freshness(None, True, "no sync has succeeded yet")
    return Freshness(last_success, False)


def sync_run_list() -> QuerySet[SyncRun]:
    return SyncRun.objects.all()


def series_list(*, user) -> QuerySet[MetricSeries]:
    return MetricSeries.objects.restrict(user, "view").select_related("metric", "model_version__model")


def points_of(*, series: MetricSeries, since_ms: int | None = None, until_ms: int | None = None):
    points = MetricPoint.objects.filter(series=series)
    if since_ms is not None:
        points = points.filter(timestamp__gte=since_ms)
    if until_ms is not None:
        points = points.filter(timestamp__lte=until_ms)
    return points.order_by("timestamp", "step")


DAY_MS = 86_400_000
EPOCH = date(1970, 1, 1)


def daily_totals(*, series: QuerySet, keys: tuple[str, ...], start: date, end: date | None = None) -> dict:
    """{(*key values, UTC day): [sum, count]} of the series' points from `start` to `end` (or today) included:
    raw points and the daily roll-ups of older ones merged, so a day half rolled up still sums right. `keys` are
    lookups from MetricSeries (e.g. "metric_id"). Two grouped queries."""
    raw = MetricPoint.objects.filter(series__in=series, timestamp__gte=day_ms(start))
    rolled = DailyAggregate.objects.filter(series__in=series, day__gte=start)
    if end is not None:
        raw = raw.filter(timestamp__lt=day_ms(end + timedelta(days=1)))
        rolled = rolled.filter(day__lte=end)
    lookups = [f"series__{key}" for key in keys]
    totals: dict[tuple, list] = {}
    raw = (
        raw.annotate(day=ExpressionWrapper(F("timestamp") / Value(DAY_MS), output_field=BigIntegerField()))
        .order_by()
        .values_list(*lookups, "day")
        .annotate(total=Sum("value"), n=Count("pk"))
    )
    for *key, day, total, n in raw:
        totals[(*key, EPOCH + timedelta(days=day))] = [total, n]
    rolled = rolled.order_by().values_list(*lookups, "day").annotate(total=Sum("total"), n=Sum("count"))
    for *key, day, total, n in rolled:
        entry = totals.setdefault((*key, day), [0.0, 0])
        entry[0] += total
        entry[1] += n
    return totals


def combine_versions(by_version: dict[int, list[float]], aggregation: str) -> float:
    """One day's figure across several versions from each one's [sum, count]: the total of a summed metric,
    else the mean of each version's mean (each model counts once, however many points it logs)."""
    if aggregation == Aggregation.SUM:
        return sum(total for total, _ in by_version.values())
    means = [total / count for total, count in by_version.values() if count]
    return sum(means) / len(means)


def day_ms(day: date) -> int:
    """Milliseconds since the epoch at the start of a UTC day (MLflow's timestamps)."""
    return int(datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp() * 1000)


def version_series(*, user, version) -> list[tuple[MetricSeries, list[tuple[int, float]]]]:
    """Each series of the version with its (timestamp, value) points: one query for the series, one for all
    the points."""
    series = list(series_list(user=user).filter(model_version=version).order_by("metric__kind", "metric__name"))
    by_series: dict[int, list] = {s.pk: [] for s in series}
    rows = MetricPoint.objects.filter(series__in=series).order_by("timestamp", "step")
    for series_id, timestamp, value in rows.values_list("series_id", "timestamp", "value"):
        by_series[series_id].append((timestamp, value))
    return [(s, by_series[s.pk]) for s in series]


def rules_in_scope(*, version) -> QuerySet[AlertRule]:
    """Active rules whose scope takes in the version (any metric); the version's model and use case are
    read, so select them with it."""
    use_case = version.model.use_case
    return AlertRule.objects.filter(active=True).filter(
        Q(scope_kind=ScopeKind.VERSION, model_version_id=version.pk)
        | Q(scope_kind=ScopeKind.MODEL, model_id=version.model_id)
        | Q(scope_kind=ScopeKind.RISK_TIER, risk_tier=use_case.risk_tier)
        | Q(scope_kind=ScopeKind.BUSINESS_UNIT, business_unit_id=use_case.business_unit_id)
    )


def alert_list(*, user) -> QuerySet[Alert]:
    return Alert.objects.restrict(user, "view").select_related(
        "rule", "rule__metric", "model_version__model__use_case__value_contract", "assignee", "series__metric"
    )


def alert_rule_list(*, user) -> QuerySet[AlertRule]:
    return AlertRule.objects.restrict(user, "view").select_related(
        "metric", "model", "model_version__model", "business_unit"
    )


def my_open_alerts(*, user) -> QuerySet[Alert]:
    """Open or acknowledged alerts on the versions of the user's models, most severe first."""
    return (
        alert_list(user=user)
        .filter(model_version__model__owners=user, status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED])
        .order_by(Case(When(severity="critical", then=0), When(severity="warning", then=1), default=2), "-pk")
    )


def production_trends(*, user, metric_name: str, days: int = 30) -> list[tuple[str, list[tuple[int, float]]]]:
    """One metric's points over the last days for the production versions of the user's models (two queries)."""
    from django.utils import timezone

    since = int((timezone.now().timestamp() - days * 86_400) * 1000)
    versions = {
        v.pk: str(v)
        for v in ModelVersion.objects.restrict(user, "view")
        .filter(model__owners=user, stage="production")
        .select_related("model")
    }
    rows = (
        MetricPoint.objects.filter(
            series__model_version_id__in=versions, series__metric__name=metric_name, timestamp__gte=since
        )
        .order_by("series__model_version_id", "timestamp")
        .values_list("series__model_version_id", "timestamp", "value")
    )
    trends: dict[int, list[tuple[int, float]]] = {}
    for version_id, timestamp, value in rows:
        trends.setdefault(version_id, []).append((timestamp, value))
    return [(versions[pk], points) for pk, points in trends.items()]


def sync_errors_for(user):
    """A function giving the errors of a sync run `user` may read. Errors name versions ("credit v3: ...");
    those of models the user may not see are left out and only counted, so a run tells of no hidden model."""
    from lifecycle.models import AIModel

    if sees_everything(user):
        return list
    hidden = tuple(
        f"{name} v"
        for name in AIModel.objects.exclude(pk__in=AIModel.objects.restrict(user, "view").values("pk")).values_list(
            "name", flat=True
        )
    )

    def shown(errors) -> list[str]:
        kept = [e for e in errors if not e.startswith(hidden)] if hidden else list(errors)
        left_out = len(errors) - len(kept)
        return kept + ([f"{left_out} error(s) on models you may not see."] if left_out else [])

    return shown


def open_critical_alerts(*, user, unit=None) -> QuerySet[Alert]:
    """Open or acknowledged critical alerts on production versions, newest first."""
    alerts = alert_list(user=user).filter(
        severity="critical",
        status__in=[AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED],
        model_version__stage="production",
    )
    if unit is not None:
        alerts = alerts.filter(model_version__model__use_case__business_unit=unit)
    return alerts.order_by("-pk")


# --- Health -------------------------------------------------------------------------------------------


def health_list(*, user, status: str = "", unit: str = "", mine: bool = False) -> QuerySet[HealthCheck]:
    """The health of the production versions the user may see, worst first; filtered by status, business
    unit code and, with `mine`, the user's own models."""
    checks = (
        HealthCheck.objects.restrict(user, "view")
        .filter(model_version__stage="production")
        .select_related("model_version__model__use_case__business_unit")
        .order_by("score", "model_version__model__name", "model_version_id")
    )
    if status in HealthStatus.values:
        checks = checks.filter(status=status)
    if unit:
        checks = checks.filter(model_version__model__use_case__business_unit__code=unit)
    if mine:
        checks = checks.filter(model_version__model__owners=user)
    return checks


def health_shares(*, user, unit=None) -> dict[str, int]:
    """How many production versions the user may see are good, warning or bad (one query)."""
    checks = HealthCheck.objects.restrict(user, "view").filter(model_version__stage="production")
    if unit is not None:
        checks = checks.filter(model_version__model__use_case__business_unit=unit)
    counts = checks.aggregate(**{status: Count("pk", filter=Q(status=status)) for status in HealthStatus.values})
    return {**counts, "total": sum(counts.values())}


# --- Retraining ---------------------------------------------------------------------------------------


def retraining_request_list(*, user) -> QuerySet[RetrainingRequest]:
    return RetrainingRequest.objects.restrict(user, "view").select_related(
        "model", "alert", "answered_by", "requested_by"
    )


def retraining_schedule_list(*, user) -> QuerySet[RetrainingSchedule]:
    return RetrainingSchedule.objects.restrict(user, "view").select_related("model")


def webhook_endpoints():
    """Endpoints with their delivery counts (one query)."""
    return WebhookEndpoint.objects.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__delivered_at__isnull=False)),
        undelivered=Count("deliveries", filter=Q(deliveries__delivered_at__isnull=True)),
    ).order_by("name", "pk")


def webhook_deliveries():
    return WebhookDelivery.objects.select_related("endpoint")

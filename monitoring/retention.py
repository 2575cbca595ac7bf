"""Raw points are kept MONITORING_RAW_RETENTION_DAYS (default 365); older ones become daily aggregates."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring.models import DailyAggregate, MetricPoint


def _day(timestamp_ms: int):
    return datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC).date()


def points_roll_up(*, now: datetime | None = None, batch_series: int = 200) -> dict:
    """Aggregate and delete raw points older than the retention age, one series per transaction (so an
    interrupted roll-up leaves each series either rolled up or untouched). Idempotent: a day already
    aggregated is merged with any late points of that day."""
    days = getattr(settings, "MONITORING_RAW_RETENTION_DAYS", 365)
    cutoff_ms = int(((now or timezone.now()) - timedelta(days=days)).timestamp() * 1000)
    series_ids = list(
        MetricPoint.objects.filter(timestamp__lt=cutoff_ms)
        .order_by("series_id")
        .values_list("series_id", flat=True)
        .distinct()[:batch_series]
    )
    rolled = 0
    for series_id in series_ids:
        rolled += _roll_up_series(series_id, cutoff_ms)
    return {"series": len(series_ids), "points": rolled}


@transaction.atomic
def _roll_up_series(series_id: int, cutoff_ms: int) -> int:
    old = MetricPoint.objects.select_for_update().filter(series_id=series_id, timestamp__lt=cutoff_ms)
    by_day: dict = {}
    for timestamp, value in old.order_by("timestamp", "step").values_list("timestamp", "value"):
        by_day.setdefault(_day(timestamp), []).append(value)
    for day, values in by_day.items():
        existing = DailyAggregate.objects.filter(series_id=series_id, day=day).first()
        count = len(values) + (existing.count if existing else 0)
        total = sum(values) + (existing.total if existing else 0.0)
        DailyAggregate.objects.update_or_create(
            series_id=series_id,
            day=day,
            defaults={
                "count": count,
                "total": total,
                "mean": total / count,
                "minimum": min([*values, *([existing.minimum] if existing else [])]),
                "maximum": max([*values, *([existing.maximum] if existing else [])]),
                "last": values[-1],
            },
        )
    deleted, _ = old.delete()
    return deleted

"""Raw points are kept MONITORING_RAW_RETENTION_DAYS (default 365); older ones become daily aggregates,
except those of a model under a legal hold. Finished webhook deliveries and sync runs are operational logs
that audit.retention's purge deletes after the log retention."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.retention import Holds, active_holds
from lifecycle.models import AIModel
from monitoring.models import WEBHOOK_MAX_ATTEMPTS, DailyAggregate, MetricPoint, SyncRun, WebhookDelivery


def _day(timestamp_ms: int):
    return datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC).date()


def points_roll_up(*, now: datetime | None = None, batch_series: int = 200) -> dict:
    """Aggregate and delete raw points older than the retention age, one series per transaction (so an
    interrupted roll-up leaves each series either rolled up or untouched). Idempotent: a day already
    aggregated is merged with any late points of that day."""
    days = getattr(settings, "MONITORING_RAW_RETENTION_DAYS", 365)
    cutoff_ms = int(((now or timezone.now()) - timedelta(days=days)).timestamp() * 1000)
    holds = active_holds()
    if holds.everything:
        return {"series": 0, "points": 0, "held": True}
    old = MetricPoint.objects.filter(timestamp__lt=cutoff_ms)
    if holds:
        # A held model's raw points stay as they were measured.
        old = old.exclude(series__model_version__model_id__in=held_model_ids(holds))
    series_ids = list(old.order_by("series_id").values_list("series_id", flat=True).distinct()[:batch_series])
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


# --- Purgeable operational logs (registered with audit.retention in MonitoringConfig.ready) ------------------


def held_model_ids(holds: Holds) -> set[int]:
    """The models a hold names, directly or through their use case."""
    ids = set(holds.model_ids)
    if holds.use_case_ids:
        ids.update(AIModel.objects.filter(use_case_id__in=holds.use_case_ids).values_list("pk", flat=True))
    return ids


def webhook_deliveries_expired(cutoff: datetime) -> QuerySet[WebhookDelivery]:
    """Deliveries made before the cut-off that are finished: delivered, or given up after the last attempt."""
    finished = Q(delivered_at__isnull=False) | Q(attempts__gte=WEBHOOK_MAX_ATTEMPTS)
    return WebhookDelivery.objects.filter(finished, created_at__lt=cutoff)


def webhook_deliveries_covered(deliveries: QuerySet, holds: Holds) -> QuerySet[WebhookDelivery]:
    """Deliveries about a held model (their payload names it)."""
    return deliveries.filter(payload__model__id__in=held_model_ids(holds))


def sync_runs_expired(cutoff: datetime) -> QuerySet[SyncRun]:
    """Finished sync runs started before the cut-off, except the latest, which tells how fresh the data is."""
    latest = SyncRun.objects.order_by("-started_at", "-pk").values("pk")[:1]
    return SyncRun.objects.filter(started_at__lt=cutoff, finished_at__isnull=False).exclude(pk__in=latest)

"""Raw points older than the retention age become one daily aggregate per series and day."""

from datetime import UTC, datetime

import pytest

from audit import retention
from monitoring.models import DailyAggregate, MetricPoint
from monitoring.retention import points_roll_up
from tests.monitoring.factories import DAY, T0, series_of, version_of

HOUR = 3_600_000


@pytest.fixture
def series(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    return series_of(version_of(pm=pm, ds=ds, unit=units["RETAIL"]), metric="latency_p95_ms")


def test_old_points_roll_up_by_day_and_recent_ones_stay(series, settings):
    settings.MONITORING_RAW_RETENTION_DAYS = 30
    day0 = [(0, T0, 100.0), (1, T0 + HOUR, 140.0), (2, T0 + 2 * HOUR, 120.0)]
    day1 = [(3, T0 + DAY, 90.0)]
    recent = [(4, T0 + 40 * DAY, 80.0)]
    MetricPoint.objects.bulk_create(
        MetricPoint(series=series, step=s, timestamp=t, value=v) for s, t, v in day0 + day1 + recent
    )
    now = datetime.fromtimestamp((T0 + 45 * DAY) / 1000, tz=UTC)
    assert points_roll_up(now=now) == {"series": 1, "points": 4}
    rows = list(DailyAggregate.objects.values_list("day", "count", "mean", "minimum", "maximum", "total", "last"))
    assert rows == [
        (datetime(2026, 1, 1).date(), 3, 120.0, 100.0, 140.0, 360.0, 120.0),
        (datetime(2026, 1, 2).date(), 1, 90.0, 90.0, 90.0, 90.0, 90.0),
    ]
    assert list(MetricPoint.objects.values_list("value", flat=True)) == [80.0]
    assert points_roll_up(now=now) == {"series": 0, "points": 0}  # nothing twice


def test_a_late_point_of_a_rolled_day_merges_into_its_aggregate(series, settings):
    settings.MONITORING_RAW_RETENTION_DAYS = 30
    now = datetime.fromtimestamp((T0 + 45 * DAY) / 1000, tz=UTC)
    MetricPoint.objects.create(series=series, step=0, timestamp=T0, value=100.0)
    points_roll_up(now=now)
    MetricPoint.objects.create(series=series, step=1, timestamp=T0 + HOUR, value=200.0)
    points_roll_up(now=now)
    day = DailyAggregate.objects.get()
    assert (day.count, day.mean, day.maximum, day.last) == (2, 150.0, 200.0, 200.0)


def test_a_held_models_raw_points_stay_as_measured(series, settings, make_user):
    settings.MONITORING_RAW_RETENTION_DAYS = 30
    now = datetime.fromtimestamp((T0 + 45 * DAY) / 1000, tz=UTC)
    MetricPoint.objects.create(series=series, step=0, timestamp=T0, value=100.0)
    compliance = make_user("compliance", "sign_off_compliance")
    model = series.model_version.model
    hold = retention.legal_hold_place(actor=compliance, scope="model", target_id=model.pk, reason="Case 9.")
    assert points_roll_up(now=now) == {"series": 0, "points": 0}
    everything = retention.legal_hold_place(actor=compliance, scope="all", reason="Records freeze.")
    retention.legal_hold_release(actor=compliance, hold=hold, reason="Case 9 closed.")
    assert points_roll_up(now=now) == {"series": 0, "points": 0, "held": True}
    retention.legal_hold_release(actor=compliance, hold=everything, reason="Freeze lifted.")
    assert points_roll_up(now=now) == {"series": 1, "points": 1}
    assert not MetricPoint.objects.exists() and DailyAggregate.objects.get().count == 1

"""KPIs bound to a metric are fed from the production models of their objective's use cases, one measurement a
day, through portfolio's service (audited), and a second run writes nothing new."""

from datetime import date
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from lifecycle.choices import Stage
from monitoring import kpi_feed, sync
from monitoring.models import SyncRun
from portfolio import services as portfolio
from portfolio.models import KPIMeasurement
from tests.monitoring.factories import T0, series_of, store, version_of

DAY0 = date(2026, 1, 1)  # T0 is 2026-01-01T00:00Z


@pytest.fixture
def builder(units, make_user):
    return make_user("builder", "program_manager", "data_scientist", units=(units["RETAIL"],))


def _kpi(builder, unit, *, metric="auc", source="metric"):
    objective = portfolio.objective_create(actor=builder, title="Catch more fraud", business_unit=unit)
    return portfolio.kpi_create(
        actor=builder,
        objective=objective,
        name="Detection quality",
        unit="AUC",
        baseline=Decimal("0.8"),
        baseline_date=DAY0,
        target=Decimal("0.9"),
        target_date=date(2026, 12, 31),
        source=source,
        metric_binding=metric if source == "metric" else "",
    )


def _serving(builder, unit, kpi, name, stage=Stage.PRODUCTION):
    version = version_of(pm=builder, ds=builder, unit=unit, name=name, stage=stage)
    portfolio.use_case_link_objective(actor=builder, use_case=version.model.use_case, objective=kpi.objective)
    return version


def test_a_bound_kpi_gets_the_daily_mean_over_the_production_models(builder, units):
    unit = units["RETAIL"]
    kpi = _kpi(builder, unit)
    fraud, churn = _serving(builder, unit, kpi, "fraud"), _serving(builder, unit, kpi, "churn")
    staging = _serving(builder, unit, kpi, "candidate", stage=Stage.STAGING)
    unrelated = version_of(pm=builder, ds=builder, unit=unit, name="other")
    store(series_of(fraud, "auc"), [0.90, 0.80])  # day 0, day 1
    # Two points on day 0 for churn (another run, an hour later): the version's day is their mean.
    store(series_of(churn, "auc"), [0.70, 0.60])
    series_of(churn, "auc", run_id="monitor").points.create(step=0, timestamp=T0 + 3_600_000, value=0.80)
    store(series_of(staging, "auc"), [0.10, 0.10])
    store(series_of(unrelated, "auc"), [0.10, 0.10])
    store(series_of(fraud, "psi"), [0.5, 0.5])

    outcome = kpi_feed.kpis_feed()

    assert outcome == {"kpis": 1, "written": 2, "problems": []}
    values = dict(KPIMeasurement.objects.filter(kpi=kpi).values_list("measured_on", "value"))
    # day 0: fraud 0.90, churn mean(0.70, 0.80) = 0.75 → (0.90 + 0.75) / 2; day 1: (0.80 + 0.60) / 2
    assert values == {DAY0: Decimal("0.8250"), date(2026, 1, 2): Decimal("0.7000")}
    assert AuditEvent.objects.filter(action="kpi.measured", actor=None).count() == 2

    again = kpi_feed.kpis_feed()
    assert again["written"] == 0
    assert KPIMeasurement.objects.filter(kpi=kpi).count() == 2
    assert AuditEvent.objects.filter(action="kpi.measured").count() == 2

    # Later points: the last day measured is read again and corrected (audited), a new day is added, and
    # days before the last one measured are not read again.
    store(series_of(fraud, "auc", run_id="late"), [1.0, 0.86, 0.9])
    assert kpi_feed.kpis_feed()["written"] == 2
    values = dict(KPIMeasurement.objects.filter(kpi=kpi).values_list("measured_on", "value"))
    # day 1: fraud mean(0.80, 0.86) = 0.83, churn 0.60 → 0.715; day 2: fraud alone, 0.9
    assert values == {DAY0: Decimal("0.8250"), date(2026, 1, 2): Decimal("0.7150"), date(2026, 1, 3): Decimal("0.9")}
    corrected = AuditEvent.objects.filter(action="kpi.measured").order_by("-seq")[1]
    assert corrected.changes["value"] == ["0.7000", "0.7150"]


def test_a_sum_metric_adds_up_across_models_and_manual_kpis_are_left_alone(builder, units):
    unit = units["RETAIL"]
    kpi = _kpi(builder, unit, metric="requests")
    manual = _kpi(builder, unit, source="manual")
    unknown = _kpi(builder, unit, metric="not_catalogued")
    for name, values in (("a", [100, 50]), ("b", [20])):
        store(series_of(_serving(builder, unit, kpi, name), "requests"), values)
    portfolio.use_case_link_objective(
        actor=builder,
        use_case=version_of(pm=builder, ds=builder, unit=unit, name="m").model.use_case,
        objective=manual.objective,
    )
    outcome = kpi_feed.kpis_feed()
    assert outcome["written"] == 2
    assert outcome["problems"] == ["KPI “Detection quality”: no catalogued metric is called “not_catalogued”."]
    values = dict(KPIMeasurement.objects.filter(kpi=kpi).values_list("measured_on", "value"))
    assert values == {DAY0: Decimal("120"), date(2026, 1, 2): Decimal("50")}
    assert not KPIMeasurement.objects.filter(kpi__in=[manual, unknown]).exists()


def test_points_before_the_baseline_date_are_not_measurements(builder, units):
    unit = units["RETAIL"]
    kpi = _kpi(builder, unit)
    portfolio.kpi_update(actor=builder, kpi=kpi, baseline_date=date(2026, 1, 2))
    store(series_of(_serving(builder, unit, kpi, "fraud"), "auc"), [0.9, 0.8, 0.7])
    kpi_feed.kpis_feed()
    assert list(KPIMeasurement.objects.filter(kpi=kpi).values_list("measured_on", flat=True)) == [
        date(2026, 1, 2),
        date(2026, 1, 3),
    ]


def test_a_finished_sync_feeds_the_kpis(builder, units, django_capture_on_commit_callbacks):
    unit = units["RETAIL"]
    kpi = _kpi(builder, unit)
    store(series_of(_serving(builder, unit, kpi, "fraud"), "auc"), [0.9])
    run = SyncRun.objects.create(trigger="test", points_inserted=1)
    with django_capture_on_commit_callbacks(execute=True):
        sync.sync_run_finish(sync_run_id=run.pk)
    assert KPIMeasurement.objects.get(kpi=kpi).value == Decimal("0.9")


def test_a_sync_that_stored_nothing_feeds_nothing(builder, units, django_capture_on_commit_callbacks):
    kpi = _kpi(builder, units["RETAIL"])
    store(series_of(_serving(builder, units["RETAIL"], kpi, "fraud"), "auc"), [0.9])
    run = SyncRun.objects.create(trigger="test")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sync.sync_run_finish(sync_run_id=run.pk)
    assert callbacks == [] and not KPIMeasurement.objects.filter(kpi=kpi).exists()

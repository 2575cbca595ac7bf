"""The metric sync against a real MLflow server that the tests fill through its REST API."""

import pytest

from core.seeding import seeding_bypass
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.models import MetricPoint, MetricSeries, SyncRun
from monitoring.sync import metrics_sync
from portfolio import services as portfolio
from tests.integration.mlflow_fill import log, new_run, post

pytestmark = pytest.mark.integration
DAY = 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01 UTC


@pytest.fixture
def version_in_production(settings, mlflow_server, units, make_user):
    """A version in production whose training run logged auc and psi histories (and a metric Lodestar does
    not catalogue)."""
    settings.MLFLOW_TRACKING_URI = mlflow_server
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Card fraud", business_unit=units["RETAIL"])
    model = lifecycle.model_register(actor=ds, name="fraud", use_case=use_case)
    run_id = new_run(mlflow_server)
    version = lifecycle.model_version_register(actor=ds, model=model, version="1", mlflow_run_id=run_id)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=version.pk).update(stage=Stage.PRODUCTION)
    log(
        mlflow_server,
        run_id,
        [("auc", d, T0 + d * DAY, 0.9 - d / 100) for d in range(5)]
        + [("psi", d, T0 + d * DAY, 0.05 * d) for d in range(3)]
        + [("my_private_metric", 0, T0, 1.0)],
    )
    return version, run_id


def _stored(version) -> dict[str, list[tuple[int, int, float]]]:
    found: dict[str, list] = {}
    for name, step, timestamp, value in (
        MetricPoint.objects.filter(series__model_version=version)
        .order_by("series__metric__name", "step", "timestamp")
        .values_list("series__metric__name", "step", "timestamp", "value")
    ):
        found.setdefault(name, []).append((step, timestamp, value))
    return found


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk-endpoint", "per-run-endpoint"])
def test_a_full_sync_stores_exactly_the_points_logged_and_a_resync_nothing(version_in_production, settings, bulk):
    """The same points through MLflow's bulk history endpoint and through the public per-run one."""
    settings.MLFLOW_BULK_HISTORY = bulk
    version, run_id = version_in_production
    first = metrics_sync()
    assert first.status == "succeeded", first.errors
    assert first.points_inserted == 8 and first.versions_done == 1
    assert _stored(version) == {
        "auc": [(d, T0 + d * DAY, pytest.approx(0.9 - d / 100)) for d in range(5)],
        "psi": [(d, T0 + d * DAY, pytest.approx(0.05 * d)) for d in range(3)],
    }
    auc = MetricSeries.objects.get(model_version=version, metric__name="auc")
    assert (auc.run_id, auc.last_step, auc.last_timestamp) == (run_id, 4, T0 + 4 * DAY)

    again = metrics_sync()
    assert again.status == "succeeded" and again.points_inserted == 0
    assert MetricPoint.objects.count() == 8


def test_points_logged_after_a_sync_arrive_at_the_next(version_in_production, mlflow_server):
    version, run_id = version_in_production
    metrics_sync()
    log(mlflow_server, run_id, [("auc", d, T0 + d * DAY, 0.8) for d in (5, 6)])
    later = metrics_sync()
    assert later.points_inserted == 2
    assert [p[0] for p in _stored(version)["auc"]] == [0, 1, 2, 3, 4, 5, 6]
    assert MetricSeries.objects.get(model_version=version, metric__name="auc").last_step == 6


def test_a_nan_as_the_latest_value_is_reported_once(version_in_production, mlflow_server):
    """MLflow keeps a NaN as the run's latest auc: the first sync refuses it and says so; the next ones find
    nothing new instead of reading and refusing it again."""
    version, run_id = version_in_production
    log(mlflow_server, run_id, [("auc", 5, T0 + 5 * DAY, "NaN")])  # protobuf JSON spells NaN so
    first = metrics_sync()
    assert first.status == "partial" and first.points_inserted == 8 and first.points_skipped == 1
    assert "1 invalid point(s) of auc skipped" in first.errors[0]
    auc = MetricSeries.objects.get(model_version=version, metric__name="auc")
    assert (auc.last_step, auc.last_timestamp) == (5, T0 + 5 * DAY)
    again = metrics_sync()
    assert again.status == "succeeded" and again.points_skipped == 0 and again.errors == []
    log(mlflow_server, run_id, [("auc", 6, T0 + 6 * DAY, 0.8)])  # a valid point after it still arrives
    assert metrics_sync().points_inserted == 1
    assert [p[0] for p in _stored(version)["auc"]] == [0, 1, 2, 3, 4, 6]


@pytest.fixture
def tagged_run(mlflow_server):
    """Runs tagged with a version id; deleted afterwards, since ids repeat across tests on one server."""
    made = []

    def make(version_id: int) -> str:
        made.append(new_run(mlflow_server, tags={"lodestar.model_version": version_id}))
        return made[-1]

    yield make
    for run_id in made:
        post(mlflow_server, "runs/delete", {"run_id": run_id})


def test_a_monitoring_run_tagged_with_the_version_is_found(version_in_production, mlflow_server, tagged_run):
    version, run_id = version_in_production
    monitor = tagged_run(version.pk)
    tagged_run(version.pk + 1000)  # another version's: ignored
    log(mlflow_server, monitor, [("latency_p95_ms", d, T0 + d * DAY, 120.0 + d) for d in range(4)])
    sync_run = metrics_sync()
    assert sync_run.status == "succeeded", sync_run.errors
    series = MetricSeries.objects.get(model_version=version, metric__name="latency_p95_ms")
    assert series.run_id == monitor
    assert [p[2] for p in _stored(version)["latency_p95_ms"]] == [120.0, 121.0, 122.0, 123.0]


def test_long_histories_are_read_page_by_page(version_in_production, mlflow_server, settings):
    version, run_id = version_in_production
    settings.MLFLOW_HISTORY_PAGE_SIZE = 7
    settings.MLFLOW_BULK_HISTORY = False  # the per-run endpoint pages; the bulk one answers in one piece
    log(mlflow_server, run_id, [("requests", d, T0 + d * 60_000, float(d)) for d in range(50)])
    sync_run = metrics_sync()
    assert sync_run.status == "succeeded", sync_run.errors
    assert len(_stored(version)["requests"]) == 50


def test_mlflow_down_records_a_failed_sync_and_saves_nothing(version_in_production, settings):
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    settings.MLFLOW_READ_RETRIES = 1
    sync_run = metrics_sync()
    assert sync_run.status == "failed" and "MLflow unreachable" in sync_run.errors[0]
    assert not MetricPoint.objects.exists() and SyncRun.objects.count() == 1


def test_the_command_runs_the_same_sync_with_progress(version_in_production):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sync_mlflow", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "1/1 versions, 8 new points" in text and "succeeded: 1 version(s), 8 point(s) inserted" in text
    assert MetricPoint.objects.count() == 8


def test_a_run_registered_as_two_versions_feeds_both(version_in_production):
    version, run_id = version_in_production
    ds = version.model.owners.get()
    other = lifecycle.model_register(actor=ds, name="fraud-shadow", use_case=version.model.use_case)
    twin = lifecycle.model_version_register(actor=ds, model=other, version="1", mlflow_run_id=run_id)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=twin.pk).update(stage=Stage.STAGING)
    sync_run = metrics_sync()
    assert sync_run.status == "succeeded" and sync_run.points_inserted == 16
    assert _stored(twin) == _stored(version)
    assert metrics_sync().points_inserted == 0


def test_the_real_server_answers_the_bulk_history_endpoint(version_in_production):
    """The endpoint is internal to MLflow: this fails when an MLflow upgrade removes or changes it."""
    from lifecycle import mlflow_client

    version, run_id = version_in_production
    found = mlflow_client.metric_histories_bulk([run_id, "0" * 32], "auc")
    assert found is not None
    assert [p[0] for p in sorted(found[run_id].points)] == [0, 1, 2, 3, 4] and found["0" * 32].points == []

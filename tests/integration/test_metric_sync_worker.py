"""The sync on Celery: beat's task fans out per version; a worker killed with SIGKILL mid-sync loses and
duplicates nothing, because the next sync resumes from the watermarks committed with the points."""

import os
import signal
import time
import uuid

import pytest

from config.celery import app as celery_app
from monitoring import tasks
from monitoring.models import MetricPoint, SyncRun
from monitoring.sync import metrics_sync
from tests.integration.mlflow_fill import log, new_run
from tests.integration.workers import start_worker
from tests.monitoring.factories import DAY, T0, version_of

pytestmark = pytest.mark.integration
METRICS = ("psi", "auc", "latency_p95_ms")


def _fill(server, pm, ds, unit, *, versions: int, points: int) -> set:
    """Versions whose training runs logged `points` points of each metric; returns the ground truth."""
    truth = set()
    for n in range(versions):
        run_id = new_run(server)
        version = version_of(pm=pm, ds=ds, unit=unit, name=f"model-{n}", run_id=run_id)
        batch = [(m, d, T0 + d * DAY, round(0.001 * d + i, 3)) for i, m in enumerate(METRICS) for d in range(points)]
        log(server, run_id, batch)
        truth |= {(version.pk, m, s, t, v) for m, s, t, v in batch}
    return truth


def _stored() -> list:
    return list(
        MetricPoint.objects.values_list("series__model_version", "series__metric__name", "step", "timestamp", "value")
    )


@pytest.fixture
def people(settings, mlflow_server, units, make_user):
    settings.MLFLOW_TRACKING_URI = mlflow_server
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    return pm, ds, units["RETAIL"]


def test_the_beat_task_fans_out_one_task_per_version_and_closes_the_run(people, mlflow_server):
    truth = _fill(mlflow_server, *people, versions=3, points=5)
    answer = tasks.sync_all.delay().get()
    sync_run = SyncRun.objects.get(pk=answer["sync_run"])
    assert (sync_run.status, sync_run.versions_total, sync_run.versions_done) == ("succeeded", 3, 3)
    assert sync_run.points_inserted == len(truth) and set(_stored()) == truth


def test_a_worker_killed_mid_sync_loses_and_duplicates_nothing(
    people, mlflow_server, transactional_db, tmp_path, settings
):
    truth = _fill(mlflow_server, *people, versions=6, points=300)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # Per-run reads in small pages, one version per task, make the sync long enough to be caught half-way.
    worker = start_worker(
        queue,
        tmp_path / "worker.log",
        MLFLOW_TRACKING_URI=mlflow_server,
        MLFLOW_HISTORY_PAGE_SIZE="10",
        MLFLOW_BULK_HISTORY="false",
        MONITORING_SYNC_BATCH="1",
    )
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        tasks.sync_all.apply_async(queue=queue)
        deadline = time.monotonic() + 120
        while MetricPoint.objects.count() < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        celery_app.conf.task_always_eager = eager
        if worker.poll() is None:
            worker.kill()
    stored_when_killed = MetricPoint.objects.count()
    assert 300 <= stored_when_killed < len(truth), (tmp_path / "worker.log").read_text()[-3000:]
    killed = SyncRun.objects.get()
    assert killed.status == "running"

    settings.MONITORING_SYNC_STALE_AFTER = 0
    resumed = metrics_sync()
    stored = _stored()
    assert len(stored) == len(truth) and set(stored) == truth  # no point lost, none twice
    assert resumed.points_inserted == len(truth) - stored_when_killed and resumed.status == "succeeded"
    killed.refresh_from_db()
    assert killed.status == "failed" and "interrupted" in killed.errors[0]

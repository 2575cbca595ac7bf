"""RELIABILITY T16, the long run (`make chaos`, not every CI run): a Celery worker killed with SIGKILL at a
random moment of a sync, again and again; a final sync then holds every point MLflow has, exactly once."""

import os
import random
import signal
import time
import uuid

import pytest

from config.celery import app as celery_app
from monitoring import tasks
from monitoring.models import MetricPoint
from monitoring.sync import metrics_sync
from tests.integration.test_metric_sync_worker import _fill, _stored, people  # noqa: F401 (fixture)
from tests.integration.workers import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
CYCLES = int(os.environ.get("LODESTAR_CHAOS_CYCLES", "20"))


def test_repeated_sigkills_mid_sync_lose_and_duplicate_nothing(
    people,  # noqa: F811
    mlflow_server,
    transactional_db,
    tmp_path,
    settings,
):
    truth = _fill(mlflow_server, *people, versions=8, points=400)
    settings.MONITORING_SYNC_STALE_AFTER = 0  # a killed run does not hold the next one back
    rng = random.Random(1616)
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    killed_mid_sync = 0
    try:
        for cycle in range(CYCLES):
            queue = f"chaos-{uuid.uuid4().hex[:8]}"
            worker = start_worker(
                queue,
                tmp_path / "worker.log",
                MLFLOW_TRACKING_URI=mlflow_server,
                MLFLOW_HISTORY_PAGE_SIZE="10",
                MONITORING_SYNC_STALE_AFTER="0",
                # Every other cycle reads per run in small pages, one version per task (a long sync to
                # catch half-way); the others read in bulk, two versions per task.
                MLFLOW_BULK_HISTORY="false" if cycle % 2 else "true",
                MONITORING_SYNC_BATCH="1" if cycle % 2 else "2",
            )
            before = MetricPoint.objects.count()
            tasks.sync_all.apply_async(queue=queue)
            time.sleep(rng.uniform(2.0, 10.0))  # the worker's start-up plus a random share of the sync
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
            after = MetricPoint.objects.count()
            killed_mid_sync += before < after < len(truth)
            assert len(set(_stored())) == after, f"cycle {cycle}: a point was stored twice"
    finally:
        celery_app.conf.task_always_eager = eager
    metrics_sync()
    stored = _stored()
    assert len(stored) == len(truth) and set(stored) == truth  # nothing lost, nothing twice
    print(f"\nT16: {CYCLES} SIGKILLs, {killed_mid_sync} of them mid-sync; {len(truth)} points, all stored once")
    assert killed_mid_sync >= 1

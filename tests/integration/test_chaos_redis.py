"""RELIABILITY T17, the long run (`make chaos`, not every CI run): the broker restarted during a storm of syncs,
twice with SIGTERM and three times with SIGKILL (append-only file on). The worker reconnects by itself within
30 s each time, no point is stored twice, and at most two reconciling syncs afterwards hold every point."""

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import redis

from config.celery import app as celery_app
from lifecycle.models import ModelVersion
from monitoring import tasks
from monitoring.models import MetricPoint, SyncRun
from tests.integration.mlflow_fill import log as log_points
from tests.integration.test_metric_sync_worker import METRICS, _fill, _stored, people  # noqa: F401 (fixture)
from tests.integration.workers import start_worker, until
from tests.monitoring.factories import DAY, T0

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
CYCLES = int(os.environ.get("LODESTAR_REDIS_CYCLES", "5"))
RECONNECT_WITHIN = 30  # seconds
CONNECTED = "Connected to redis://"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own, with an append-only file, so restarting it touches no one else's."""

    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, _free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder)]
            + ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
            stdout=(self.folder / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        assert until(lambda: self._pings(client), 10), "the private redis-server did not start"

    @staticmethod
    def _pings(client) -> bool:
        try:
            return client.ping()
        except redis.exceptions.RedisError:
            return False

    def stop(self, sig: int) -> None:
        self.process.send_signal(sig)
        self.process.wait(timeout=30)


@pytest.fixture
def broker(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait(timeout=10)


def _enqueue_sync(broker_url: str, queue: str) -> None:
    """What beat does: send the sync task, here through the private broker (never run in this process)."""
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:
        with celery_app.connection_for_write(f"{broker_url}/0") as connection, connection.Producer() as producer:
            tasks.sync_all.apply_async(queue=queue, producer=producer)
    finally:
        celery_app.conf.task_always_eager = eager


def _more_points(server, start: int, count: int) -> set:
    """Every version's run logs `count` more steps of each metric, as monitoring jobs keep doing."""
    truth = set()
    for version_id, run_id in ModelVersion.objects.values_list("pk", "mlflow_run_id"):
        batch = [
            (m, d, T0 + d * DAY, round(0.001 * d + i, 3))
            for i, m in enumerate(METRICS)
            for d in range(start, start + count)
        ]
        log_points(server, run_id, batch)
        truth |= {(version_id, m, s, t, v) for m, s, t, v in batch}
    return truth


def _succeeded_after(moment) -> bool:
    return SyncRun.objects.filter(started_at__gte=moment, status="succeeded").exists()


def _idle(broker_url: str, queue: str, log: Path, quiet: float = 3.0) -> bool:
    """Nothing waits in the queue and the worker has logged nothing for `quiet` seconds."""
    waiting = redis.Redis.from_url(f"{broker_url}/0").llen(queue)
    return waiting == 0 and time.time() - log.stat().st_mtime > quiet


def test_broker_restarts_mid_storm_lose_and_duplicate_nothing(
    people,  # noqa: F811
    mlflow_server,
    transactional_db,
    tmp_path,
    settings,
    broker,
):
    from django.utils import timezone

    truth = _fill(mlflow_server, *people, versions=6, points=100)
    settings.MONITORING_SYNC_STALE_AFTER = 0  # a run cut off by the broker does not hold the next one back
    queue = f"chaos-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = start_worker(
        queue,
        log,
        CELERY_BROKER_URL=f"{broker.url}/0",
        CELERY_RESULT_BACKEND=f"{broker.url}/1",
        MLFLOW_TRACKING_URI=mlflow_server,
        MLFLOW_HISTORY_PAGE_SIZE="10",
        MLFLOW_BULK_HISTORY="false",
        MONITORING_SYNC_BATCH="1",
        MONITORING_SYNC_STALE_AFTER="0",
    )
    connections = lambda: log.read_text().count(CONNECTED) if log.exists() else 0  # noqa: E731
    reconnects, cut_off = [], 0
    try:
        assert until(lambda: connections() == 1, 60), log.read_text()[-3000:]
        for cycle in range(CYCLES):
            truth |= _more_points(mlflow_server, 100 + cycle * 200, 200)
            _enqueue_sync(broker.url, queue)  # the storm: a sync in flight whenever the broker goes
            _enqueue_sync(broker.url, queue)
            time.sleep(0.3 + 0.2 * cycle)  # a different moment of the sync each time
            cut_off += len(_stored()) < len(truth)
            broker.stop(signal.SIGTERM if cycle < 2 else signal.SIGKILL)
            time.sleep(0.5)
            broker.start()
            restarted = time.monotonic()
            # The first connection, then one per restart.
            assert until(lambda n=cycle + 2: connections() >= n, RECONNECT_WITHIN), log.read_text()[-3000:]
            reconnects.append(time.monotonic() - restarted)
            assert worker.poll() is None, "the worker died with the broker"
            stored = _stored()
            assert len(set(stored)) == len(stored), f"cycle {cycle}: a point was stored twice"
        # The storm drains; then the reconciler (the scheduled sync), at most twice, completes what the
        # restarts cut off.
        assert until(lambda: _idle(broker.url, queue, log), 600, step=1.0), log.read_text()[-3000:]
        reconciling = 0
        while len(_stored()) < len(truth) and reconciling < 2:
            moment = timezone.now()
            _enqueue_sync(broker.url, queue)
            reconciling += 1
            assert until(lambda since=moment: _succeeded_after(since), 300, step=0.5), log.read_text()[-3000:]
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    stored = _stored()
    assert len(stored) == len(truth) and set(stored) == truth, log.read_text()[-3000:]
    assert cut_off >= 1, "no restart caught a sync half-way: the storm proved nothing"
    print(
        f"\nT17: {CYCLES} broker restarts (2 SIGTERM, {CYCLES - 2} SIGKILL), {cut_off} mid-sync; "
        "worker reconnected after "
        f"{', '.join(f'{s:.1f}' for s in reconnects)} s; {reconciling} reconciling sync(s); "
        f"{len(truth)} points, all stored once ({MetricPoint.objects.count()} rows)"
    )

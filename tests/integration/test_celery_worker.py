"""A task runs on a real Celery worker process, through the configured broker
(Redis when CELERY_BROKER_URL is set, the embedded file-system broker otherwise)."""

import uuid

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core.tasks import health
from tests.integration.workers import start_worker

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(tmp_path, transactional_db):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = start_worker(queue, tmp_path / "worker.log")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = eager
        process.terminate()
        process.wait(timeout=30)
        print((tmp_path / "worker.log").read_text()[-3000:])


def test_a_task_runs_on_a_real_worker(worker):
    result = health.apply_async(queue=worker)
    answer = result.get(timeout=90)
    assert answer["status"] == "ok"
    assert answer["worker"]
    assert answer["database"] == connection.vendor
    assert result.successful()
    expected = "redis" if settings.CELERY_BROKER_URL.startswith("redis") else "filesystem"
    assert settings.CELERY_BROKER_URL.startswith(expected)

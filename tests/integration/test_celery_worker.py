"""A task runs on a real Celery worker process, through the configured broker
(Redis when CELERY_BROKER_URL is set, the embedded file-system broker otherwise)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core.tasks import health

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    """The URL of the database the tests use, so the worker talks to the same one."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, transactional_db):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DATABASE_URL": _test_database_url(),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = eager
        process.terminate()
        process.wait(timeout=30)
        log.close()
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

"""T29: every scheduled task is applied the way Celery beat applies it, with the real limits.

Beat sends each due entry through `Scheduler.apply_entry`, which calls the task's `apply_async` with the time
limits the settings give it; a task whose own hard limit sits below the global soft limit is refused there
("soft_time_limit must be less than or equal to time_limit"), and beat only logs it, every period, forever. So the
test runs django-celery-beat's DatabaseScheduler over the schedules the migrations installed, with the project's
Celery app and settings, sends every entry onto an in-memory broker, and reads beat's own log.
"""

import logging

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler
from kombu import Connection

from config.celery import app
from core import checks
from core.schedules import all_schedules


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def beat_log():
    """Beat's own loggers, as `celery beat` writes them."""
    handler = _Collect()
    loggers = [logging.getLogger(name) for name in ("celery.beat", "django_celery_beat.schedulers")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler.records
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def sending_app(monkeypatch):
    """The project's Celery app as beat runs it: tasks are sent as messages (the test settings run them eagerly,
    which is not what beat does), with every task module discovered as beat and the worker discover them at start.

    Beat closes stale database connections before it writes its entries; here the connection is the test's
    own, inside the test's transaction, so that one call is left out."""
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.autodiscover_tasks(force=True)
    yield app
    app.conf.task_always_eager = eager


@pytest.fixture
def make_scheduler(sending_app):
    """Beat's scheduler; its exit hook (a sync that closes stale connections) is cancelled with the test, so it
    cannot fire later inside another test's transaction."""
    made = []

    def make():
        made.append(DatabaseScheduler(app=sending_app))
        return made[-1]

    yield make
    for scheduler in made:
        scheduler._finalize.cancel()


@pytest.mark.django_db
def test_beat_applies_every_scheduled_task_without_an_error(sending_app, make_scheduler, beat_log):
    scheduler = make_scheduler()
    entries = dict(scheduler.schedule)
    installed = {name for name, *_ in all_schedules()}
    # Each app's own: core 1, audit 4, portfolio 1, lifecycle 2, monitoring 4, governance 3.
    assert len(installed) == 15, sorted(installed)
    assert installed <= set(entries), f"schedules missing from beat: {sorted(installed - set(entries))}"

    with Connection("memory://") as connection:
        producer = sending_app.amqp.Producer(connection, auto_declare=True)
        queue = connection.SimpleQueue(sending_app.conf.task_default_queue)
        for entry in entries.values():
            scheduler.apply_entry(entry, producer=producer)
        sent = []
        while queue.qsize():
            message = queue.get(block=False)
            sent.append(message.headers["task"])
            message.ack()
        queue.close()

    errors = [r.getMessage().splitlines()[0] for r in beat_log if r.levelno >= logging.WARNING]
    print(
        f"\nT29 beat: {len(entries)} schedules applied, {len(sent)} messages sent, {len(errors)} errors in beat's log"
    )
    assert not errors, "beat logged:\n" + "\n".join(errors)
    assert sorted(sent) == sorted(entry.task for entry in entries.values())
    unknown = sorted({task for task in sent if task not in sending_app.tasks})
    assert not unknown, f"scheduled tasks no worker knows: {unknown}"


@pytest.fixture
def too_short_task(sending_app):
    """A task declared with a hard limit below the global soft limit, as audit.write_checkpoint was."""

    @sending_app.task(name="tests.too_short_limit", time_limit=1)
    def too_short_limit():  # pragma: no cover - never runs, only sent
        return None

    yield too_short_limit
    del sending_app.tasks["tests.too_short_limit"]


@pytest.mark.django_db
def test_beat_logs_a_task_whose_limits_conflict(sending_app, make_scheduler, beat_log, too_short_task):
    """The test above can fail: beat refuses such a task and only says so in its log."""
    PeriodicTask.objects.create(name="too short", task=too_short_task.name, interval=_every_minute())
    scheduler = make_scheduler()
    with Connection("memory://") as connection:
        scheduler.apply_entry(scheduler.schedule["too short"], producer=sending_app.amqp.Producer(connection))
    assert any("soft_time_limit must be less than or equal to time_limit" in r.getMessage() for r in beat_log)


def test_the_deploy_check_names_a_task_whose_limits_conflict(sending_app, too_short_task):
    found = checks.task_time_limits(None)
    assert [e.obj for e in found] == ["tests.too_short_limit"] and found[0].id == "lodestar.E001"
    assert "1 s" in found[0].msg


def test_the_deploy_check_passes_on_lodestar_s_tasks(sending_app):
    assert checks.task_time_limits(None) == []


def _every_minute():
    from django_celery_beat.models import IntervalSchedule

    return IntervalSchedule.objects.get_or_create(every=1, period="minutes")[0]

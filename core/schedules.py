"""Periodic tasks: each app declares its own in `<app>/schedules.py` (SCHEDULES, and GUARDS for the tasks that
must keep running), loaded into django-celery-beat by that app's migrations through `installer`.

After that they are ordinary rows: an admin changes an interval, without a deploy, through the services below
(audited; the guard tasks stay on).
"""

import json
from datetime import timedelta
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps as django_apps
from django.db import models, transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, NotAllowed

SCHEDULES = (
    # (name, task, every, period)
    ("Worker health check", "core.health", 5, "minutes"),
)


def installer(schedules):
    """A migration function that installs `schedules` as beat's rows. get_or_create: an interval an admin
    changed is kept when the migration runs again."""

    def install_schedules(apps, schema_editor=None) -> None:
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        for name, task, every, period in schedules:
            interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
            PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})

    return install_schedules


install_schedules = installer(SCHEDULES)


def _app_schedule_modules():
    for config in django_apps.get_app_configs():
        name = f"{config.name}.schedules"
        if find_spec(config.name) and find_spec(name):
            yield import_module(name)


def all_schedules() -> tuple:
    """Every app's default schedules, (name, task, every, period)."""
    return tuple(entry for module in _app_schedule_modules() for entry in getattr(module, "SCHEDULES", ()))


def guard_tasks() -> dict[str, str]:
    """Task name -> what it guards, as each app declares (GUARDS in its schedules module)."""
    return {task: why for module in _app_schedule_modules() for task, why in getattr(module, "GUARDS", {}).items()}


# --- Periodic tasks as governed records: every change is audited, and the guard tasks stay on.

# Tamper detection and production safety run as periodic tasks (each app's GUARDS): switching one off would
# silence the guard without anyone noticing, so no admin disables, deletes, expires, postpones, slows past a day
# or repurposes them.
GUARD_MAX_INTERVAL = timedelta(days=1)
_PERIOD_SECONDS = {"microseconds": 1e-6, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _seconds(interval) -> float:
    return interval.every * _PERIOD_SECONDS.get(interval.period, float("inf"))


_TASK_FIELDS = (
    "name",
    "task",
    "enabled",
    "one_off",
    "interval",
    "crontab",
    "solar",
    "clocked",
    "start_time",
    "expires",
    "expire_seconds",
    "args",
    "kwargs",
    "queue",
    "exchange",
    "routing_key",
    "priority",
    "headers",
    "description",
)


def _task_snapshot(task) -> dict:
    values = {}
    for field in _TASK_FIELDS:
        value = getattr(task, field)
        values[field] = str(value) if isinstance(value, models.Model) else value
    return values


def _refuse_guard_off(stored, task) -> None:
    """A guard task stays enabled, repeating, unexpired and running its guard."""
    guards = guard_tasks()
    guard = stored.task if stored is not None and stored.task in guards else task.task
    if guard not in guards:
        return
    why = guards[guard]
    problem = None
    if task is None:
        problem = "deleted"
    elif task.task != guard:
        problem = f"repointed to another task ({task.task})"
    elif not task.enabled:
        problem = "disabled"
    elif task.one_off:
        problem = "made a one-off"
    elif task.expires is not None or task.expire_seconds:
        problem = "given an expiry"
    elif task.start_time is not None and task.start_time > timezone.now():
        problem = "postponed (its start time is in the future)"
    elif task.interval is None or _seconds(task.interval) > GUARD_MAX_INTERVAL.total_seconds():
        problem = "run less than once a day (give it an interval schedule of at most one day)"
    if problem:
        name = stored.name if stored is not None else task.name
        raise NotAllowed(
            f"“{name}” {why}; it cannot be {problem}. It is a guard: Lodestar keeps it running so tampering and "
            "drift are detected. Change its schedule instead if it runs too often.",
            details={"enabled": ["Guard task."]},
        )


@transaction.atomic
def periodic_task_save(*, actor, task):
    """Create or change a periodic task (its changed fields as set on `task`), audited with before and after."""
    from django_celery_beat.models import PeriodicTask

    stored = PeriodicTask.objects.select_for_update().filter(pk=task.pk).first() if task.pk else None
    if not actor.has_perm(
        "django_celery_beat.add_periodictask" if stored is None else "django_celery_beat.change_periodictask"
    ):
        raise NotAllowed("You may not change periodic tasks.")
    _refuse_guard_off(stored, task)
    before = _task_snapshot(stored) if stored is not None else {}
    task.save()
    after = _task_snapshot(task)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit.record(
            actor=actor,
            action="schedule.task_created" if stored is None else "schedule.task_updated",
            target=task,
            before={k: before.get(k) for k in changed} if stored is not None else None,
            after=changed,
        )
    return task


@transaction.atomic
def periodic_task_delete(*, actor, task) -> None:
    from django_celery_beat.models import PeriodicTask

    if not actor.has_perm("django_celery_beat.delete_periodictask"):
        raise NotAllowed("You may not delete periodic tasks.")
    stored = PeriodicTask.objects.select_for_update().get(pk=task.pk)
    _refuse_guard_off(stored, None)
    before = _task_snapshot(stored)
    audit.record(actor=actor, action="schedule.task_deleted", target=stored, before=before)
    stored.delete()


def periodic_task_run(*, actor, task) -> None:
    """Run a periodic task now, on a worker (the admin's "run" action); the request is audited."""
    from celery import current_app

    if not actor.has_perm("django_celery_beat.change_periodictask"):
        raise NotAllowed("You may not run periodic tasks.")
    current_app.loader.import_default_modules()
    runner = current_app.tasks.get(task.task)
    if runner is None:
        raise ApplicationError(f"task: “{task.task}” is not a known task; nothing was run.")
    audit.record(actor=actor, action="schedule.task_run", target=task, after={"task": task.task})
    transaction.on_commit(
        lambda: runner.apply_async(
            args=json.loads(task.args or "[]"),
            kwargs=json.loads(task.kwargs or "{}"),
            headers={"periodic_task_name": task.name},
        )
    )


@transaction.atomic
def schedule_save(*, actor, schedule):
    """Create or change a schedule (interval, crontab, solar, clocked), audited. A schedule a guard task runs on
    is not edited in place (it would slow the guard down unseen): give the guard task another schedule."""
    model = type(schedule)
    stored = model.objects.select_for_update().filter(pk=schedule.pk).first() if schedule.pk else None
    label = model._meta.model_name
    if not actor.has_perm(f"django_celery_beat.{'add' if stored is None else 'change'}_{label}"):
        raise NotAllowed(f"You may not change {model._meta.verbose_name_plural}.")
    fields = [f.name for f in model._meta.concrete_fields if f.name != "id"]
    before = {f: str(getattr(stored, f)) for f in fields} if stored is not None else {}
    if stored is not None:
        guards = stored.periodictask_set.filter(task__in=guard_tasks()).values_list("name", flat=True)
        if guards:
            raise NotAllowed(
                f"This schedule runs the guard task “{guards[0]}”: it is not changed in place. Create a new "
                "schedule and point the task at it (that change is audited)."
            )
    schedule.save()
    after = {f: str(getattr(schedule, f)) for f in fields}
    audit.record(
        actor=actor,
        action=f"schedule.{label}_{'created' if stored is None else 'updated'}",
        target=schedule,
        before=before or None,
        after=after,
    )
    return schedule


@transaction.atomic
def schedule_delete(*, actor, schedule) -> None:
    model = type(schedule)
    if not actor.has_perm(f"django_celery_beat.delete_{model._meta.model_name}"):
        raise NotAllowed(f"You may not delete {model._meta.verbose_name_plural}.")
    if schedule.periodictask_set.filter(task__in=guard_tasks()).exists():
        raise NotAllowed("This schedule runs a guard task; it cannot be deleted.")
    audit.record(actor=actor, action=f"schedule.{model._meta.model_name}_deleted", target=schedule)
    schedule.delete()

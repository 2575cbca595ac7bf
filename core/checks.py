"""Deployment checks of Lodestar's own (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


@register(Tags.security, Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """The API's rate limits and the MLflow webhook's replay guard count in the cache: with one cache per
    process, each gunicorn worker counts alone, and a replayed delivery reaching another worker is accepted."""
    if settings.CACHES["default"]["BACKEND"] in PER_PROCESS_CACHES:
        return [
            Warning(
                "The cache is kept per process: API rate limits and the webhook replay guard are not shared "
                "between workers.",
                hint="Set CACHE_REDIS_URL, e.g. redis://redis:6379/2.",
                id="lodestar.W001",
            )
        ]
    return []


@register(Tags.compatibility, deploy=True)
def task_time_limits(app_configs, **kwargs):
    """A task whose soft time limit (its own, or the global CELERY_TASK_SOFT_TIME_LIMIT) exceeds its hard limit is
    refused by Celery whenever it is sent: beat then logs the refusal every period and the task never runs."""
    from config.celery import app

    app.autodiscover_tasks(force=True)
    errors = []
    for name, task in sorted(app.tasks.items()):
        soft, hard = task.soft_time_limit, task.time_limit
        if soft and hard and soft > hard:
            errors.append(
                Error(
                    f"Task {name} has a soft time limit of {soft} s above its hard limit of {hard} s: Celery refuses "
                    "to send it, so beat never runs it.",
                    hint=f"Give {name} a soft_time_limit below {hard} s where it is declared.",
                    obj=name,
                    id="lodestar.E001",
                )
            )
    return errors

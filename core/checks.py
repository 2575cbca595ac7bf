"""Deployment checks of Lodestar's own (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

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

"""Settings for the benchmarks only: the local settings with DEBUG off, persistent database connections, Redis as
the shared cache (as in production), and
bench.urls (the application's URLs plus a constant endpoint that measures the machine's ceiling)."""

from config.settings.local import *  # noqa: F403
from config.settings.local import env

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.urls"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
# The shared cache production runs with (docker compose: Redis), for the dashboards' panels and the rate limits.
CACHES = {  # noqa: F405
    **CACHES,  # noqa: F405
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_REDIS_URL", default="redis://127.0.0.1:6379/3"),
    },
}

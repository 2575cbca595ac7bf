"""Tests: the environment picks PostgreSQL/Redis when set, embedded defaults otherwise."""

import os

from .base import *  # noqa: F403
from .base import env

DEBUG = False
WEBHOOK_ALLOW_PRIVATE = True  # the tests' receivers listen on 127.0.0.1
SECRET_KEY = "lodestar-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks in-process; tests/integration starts a real worker with its own settings.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "user": "10000/minute"}}  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.support"]  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: the live server, Celery workers and the tests must share the test database.
    # One file per test run, so two runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-lodestar-{os.getpid()}.sqlite3")}  # noqa: F405
# Each test process keeps its own cache (tests/conftest.py empties it before every test): two workers on
# one Redis would read each other's entries.
CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}  # noqa: F405

"""The Celery app. Its settings live in config/settings (the CELERY_ names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("lodestar", task_cls="core.tasks:LodestarTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

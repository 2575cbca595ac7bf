"""Platform tasks. Tasks are thin: they load by id, call a service and own the retry policy."""

import socket

from celery import shared_task
from django.db import connection


@shared_task(name="core.health", time_limit=60, soft_time_limit=50)
def health() -> dict:
    """Proves a worker is alive and reaches the database; returns who answered."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"status": "ok" if one == 1 else "db-error", "worker": socket.gethostname(), "database": connection.vendor}

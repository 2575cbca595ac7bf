"""Platform tasks. Tasks are thin: they load by id, call a service and own the retry policy."""

import socket

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError, connection
from kombu.exceptions import OperationalError as BrokerError

# Errors that usually pass by themselves: a database fail-over, a network blip, a broker restart.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


class LodestarTask(Task):
    """Default for every task: retried with exponential backoff and jitter on transient errors only.

    Tasks must be idempotent (upserts on natural keys): with acks_late a task may run twice."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 5
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5


@shared_task(name="core.health", time_limit=60, soft_time_limit=50)
def health() -> dict:
    """Proves a worker is alive and reaches the database; returns who answered."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {"status": "ok" if one == 1 else "db-error", "worker": socket.gethostname(), "database": connection.vendor}

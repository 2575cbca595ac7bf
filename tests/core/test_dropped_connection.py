"""The database connection dropped in the middle of a request (PostgreSQL kills the session between two writes
of one change): the user gets the error page, with no trace of the code, and nothing of the change remains."""

import psycopg
import pytest
from django.db import connection
from django.test import Client

from audit.models import AuditEvent
from portfolio.models import UseCase

TITLE = "Branch queue forecasting"


def _terminate(pid: int) -> None:
    """Kill a backend from another connection, as a failover or a DBA would."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, dbname=db["NAME"], user=db["USER"],
        password=db["PASSWORD"] or None, autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_mid_request_shows_the_error_page_and_leaves_no_partial_write(
    postgresql_only, make_user, units
):
    pm = make_user("pm", "program_manager", units=(units["OPS"],))
    client = Client(raise_request_exception=False)
    client.force_login(pm)
    events_before, killed = AuditEvent.objects.count(), []

    def drop_after_the_use_case_row(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not killed and sql.startswith('INSERT INTO "portfolio_usecase"'):
            killed.append(context["connection"].connection.info.backend_pid)
            _terminate(killed[0])
        return result

    with connection.execute_wrapper(drop_after_the_use_case_row):
        response = client.post(
            "/portfolio/use-cases/new/",
            {
                "title": TITLE,
                "business_unit": units["OPS"].pk,
                "problem_statement": "Branch staffing is planned on last year's averages.",
                "estimated_value": "1250000",
                "estimated_cost": "300000",
                "sourcing": "undecided",
            },
        )
    connection.close()  # the killed session; the next query opens a new one
    assert killed, "the request never inserted the use case: the form was refused before the fault"
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "nothing was left" in page
    assert "Traceback" not in page and "psycopg" not in page and "terminating connection" not in page
    assert not UseCase.objects.filter(title=TITLE).exists()
    assert AuditEvent.objects.count() == events_before

"""T05: schemathesis fuzzes every operation of /api/schema/ in-process (WSGI) as a signed-in data scientist.

T28: it runs on whichever database the suite runs on, with no skip or marker that keeps it from PostgreSQL: CI
(`.ci/run`, `make test` with DATABASE_URL on PostgreSQL) fuzzes what production stores, where text rules differ
from SQLite's (a NUL character, say; see test_nul_in_input.py).

Seeded and derandomized, so CI replays the same requests. Checks: no 5xx (not_a_server_error) and every
response matches its schema (response_schema_conformance). The number of requests is printed and bounded
below, so a schema that shrinks the run does not pass unnoticed.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.tokens import api_token_issue

from .policy import API

# Per operation: random valid requests, valid requests on a real record, and invalid (negative) requests.
# CI fuzzes as a data scientist; `make chaos` fuzzes four roles with three times the examples.
SCALE = int(os.environ.get("LODESTAR_FUZZ_SCALE", "1"))
EXAMPLES = {"positive": 10 * SCALE, "real_record": 8 * SCALE, "negative": 8 * SCALE}
ROLES = os.environ.get("LODESTAR_FUZZ_ROLES", "data_scientist").split(",")
MIN_REQUESTS = 2000
CHECKS = [not_a_server_error, response_schema_conformance]


def _run(strategy, examples, call):
    @seed(4242)
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        call(case)

    run()


def _first_line(exc) -> str:
    """The failure's first words: for a group, those of each check that failed."""
    parts = getattr(exc, "exceptions", None) or [exc]
    return "; ".join(str(p).strip().splitlines()[0][:200] for p in parts if str(p).strip())


def _record_id(world, operation_id):
    row = API.get(operation_id)
    resource = getattr(row, "resource", None)
    if resource is None:
        return None
    by_class = world.objects[resource]
    return (by_class.get("own") or by_class.get("any")).pk


@pytest.fixture
def wsgi_app():
    """The real WSGI application, kept on the test's database connection as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_the_api_survives_fuzzing_and_answers_as_its_schema_says(world, wsgi_app, role):
    _token, key = api_token_issue(user=world.users[role], name="fuzzer")
    auth = {"Authorization": f"Token {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, headers=auth)
    sent, failures = 0, {}

    def call(case):
        nonlocal sent
        sent += 1
        # Each request in its own savepoint: a database error it causes cannot poison the requests after it.
        savepoint = transaction.savepoint()
        try:
            case.call_and_validate(headers=auth, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # every failure is collected with its request
            key = f"{case.method} {case.path}: {type(exc).__name__}: {_first_line(exc)}"
            failures.setdefault(key, f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.300}")
        finally:
            transaction.savepoint_rollback(savepoint)

    for result in schema.get_all_operations():
        operation = result.ok()
        _run(operation.as_strategy(), EXAMPLES["positive"], call)
        record = _record_id(world, operation.definition.raw.get("operationId"))
        if record is not None:
            _run(operation.as_strategy(path_parameters={"id": record}), EXAMPLES["real_record"], call)
        try:
            negative = operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
            _run(negative, EXAMPLES["negative"], call)
        except Unsatisfiable:
            pass  # nothing to get wrong: the operation takes no parameters and no body
    # T28: the figure names the database it ran on; CI runs it on PostgreSQL, as deployed.
    print(f"\nT05 schemathesis as {role} on {connection.vendor}: {sent} requests, {len(failures)} distinct failures")
    assert not failures, "\n".join(f"{k}\n    e.g. {v}" for k, v in failures.items())
    assert sent >= MIN_REQUESTS, f"only {sent} requests; raise EXAMPLES"


@pytest.mark.parametrize("at", ["2026-01-01T00:00:00", "2026-01-01T00:00:00+18:01"])
def test_production_at_takes_any_iso_time_the_schema_allows(world, api, at):
    """Found by fuzzing: a naive time crashed the view, an offset beyond ±15:59 crashed PostgreSQL."""
    model = world.objects["model"]["own"]
    response = api(world.users["data_scientist"]).get(f"/api/v1/models/{model.pk}/production/", {"at": at})
    assert response.status_code == 200 and response.json()["version"] is None


def test_an_id_filter_holding_a_percent_sign_is_refused_in_words(world, api):
    """Found by fuzzing: a "%" in a filter value was read as a format directive and crashed the list."""
    response = api(world.users["data_scientist"]).get("/api/v1/risk-assessments/", {"use_case": "5%s"})
    assert response.status_code == 400 and "5%s" in response.content.decode()

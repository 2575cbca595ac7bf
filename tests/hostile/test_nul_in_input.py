"""A NUL character (U+0000) anywhere in a request body is refused with a 400 that names the field.

PostgreSQL cannot store NUL in text or jsonb: before the shared parser check, a NUL in a JSON field (a version's
`params`, an assessment's `answers`) or in a dict handed to a service (an outcome's `prediction_id`) answered 500
there, while SQLite stored it. Run these on PostgreSQL (CI does) to see what production sees.
"""

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from core.api.parsers import NulGuard

from .bodies import BODIES
from .policy import API
from .surface import api_operations

NUL = "\x00"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _refused_naming(response, field: str) -> bool:
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    return response.status_code == 400 and field in body and "NUL" in str(body[field])


@pytest.mark.parametrize(
    "field, value",
    [
        ("params", {"learning_rate": f"0.1{NUL}"}),
        ("metrics", {f"auc{NUL}": 0.9}),
        ("signature", {"inputs": [f"age{NUL}"]}),
    ],
)
def test_a_nul_in_a_version_s_json_fields_is_a_400_naming_the_field(world, field, value):
    model = world.objects["model"]["own"]
    response = _client(world.users["data_scientist"]).post(
        "/api/v1/model-versions/", {"model": model.pk, "version": "nul-1", field: value}, format="json"
    )
    assert _refused_naming(response, field), (response.status_code, response.content[:300])
    assert not model.versions.filter(version="nul-1").exists()


def test_a_nul_in_assessment_answers_is_a_400_naming_answers(world):
    use_case = world.objects["use_case"]["own"]
    response = _client(world.users["program_manager"]).post(
        "/api/v1/risk-assessments/", {"use_case": use_case.pk, "answers": {"purpose": f"triage{NUL}"}}, format="json"
    )
    assert _refused_naming(response, "answers"), (response.status_code, response.content[:300])
    assert "answers.purpose" in response.content.decode()


def test_a_nul_in_an_outcome_s_prediction_id_is_a_400_naming_items(world):
    version = world.objects["model_version"]["own"]
    item = {"prediction_id": f"tx{NUL}1", "predicted": "1", "actual": "0", "at": "2026-03-01T09:00:00Z"}
    response = _client(world.users["data_scientist"]).post(
        "/api/v1/outcomes/", {"model_version": version.pk, "items": [item]}, format="json"
    )
    assert _refused_naming(response, "items"), (response.status_code, response.content[:300])
    assert "items[0].prediction_id" in response.content.decode()


def test_a_nul_in_a_form_body_is_refused_too(world):
    model = world.objects["model"]["own"]
    response = _client(world.users["data_scientist"]).post(
        "/api/v1/model-versions/", {"model": model.pk, "version": f"nul{NUL}2"}, format="multipart"
    )
    assert _refused_naming(response, "version"), (response.status_code, response.content[:300])


def _with_nul(value):
    """The body with a NUL added to its first text (depth first), and the top-level field holding it."""
    if isinstance(value, str):
        return value + NUL, True
    if isinstance(value, dict):
        for key, item in value.items():
            changed, done = _with_nul(item)
            if done:
                return {**value, key: changed}, True
    if isinstance(value, list):
        for index, item in enumerate(value):
            changed, done = _with_nul(item)
            if done:
                return [*value[:index], changed, *value[index + 1 :]], True
    return value, False


def test_every_unsafe_operation_refuses_a_nul_in_its_body_naming_the_field(world):
    """The class: each write of the API gets its valid body (tests/hostile/bodies.py) with a NUL in its first
    text; a new operation or field is covered on arrival."""
    problems, tried = [], 0
    for operation in api_operations():
        row, body_for = API.get(operation.operation_id), BODIES.get(operation.operation_id)
        if operation.safe or row is None or body_for is None or world.users.get(row.actor) is None:
            continue
        actor = world.users[row.actor]
        by_class = world.objects[row.resource] if row.resource else {}
        record = by_class.get("own", by_class.get("any"))
        body = body_for(world, "own", actor)
        for field in body if isinstance(body, dict) else ():
            hostile, changed = _with_nul(body[field])
            if not changed:
                continue
            tried += 1
            savepoint = transaction.savepoint()
            try:
                response = getattr(_client(actor), operation.method.lower())(
                    operation.url(record.pk if record is not None else None), {**body, field: hostile}, format="json"
                )
            finally:
                transaction.savepoint_rollback(savepoint)
            if not _refused_naming(response, field):
                problems.append(f"{operation} field {field}: {response.status_code} {response.content[:200]!r}")
            break  # one field per operation: the guard is the same for all
    print(f"\nNUL sent to {tried} operations, {len(problems)} not refused with a 400 naming the field")
    assert tried >= 100, f"only {tried} operations tried: the bodies lost their text fields?"
    assert not problems, "\n".join(problems)


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and isinstance(getattr(pattern.callback, "cls", None), type):
            yield pattern


def test_every_api_view_parses_through_the_nul_guard():
    """A view (or @action) that sets its own parser_classes must take them from core.api.parsers."""
    unguarded = set()
    for pattern in _views(get_resolver().url_patterns):
        cls = pattern.callback.cls
        if not issubclass(cls, APIView):
            continue
        view = cls(**getattr(pattern.callback, "initkwargs", {}))
        unguarded |= {f"{cls.__name__}: {p.__name__}" for p in view.parser_classes if not issubclass(p, NulGuard)}
    assert not unguarded, "use the parsers of core.api.parsers: " + ", ".join(sorted(unguarded))

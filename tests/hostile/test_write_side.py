"""T03 and T04: writes re-validate scope, and protected fields cannot be mass-assigned.

Generated from the OpenAPI schema: every unsafe operation is called by its legitimate actor with a valid body
(tests/hostile/bodies.py) for a record, or under a parent, of each object class, with every protected field it
does not take on purpose added with a hostile value. On the actor's own unit the call may work but no hostile
value lands; on another unit it is refused (403/404) and the database is unchanged.
"""

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import models
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from audit.models import AuditEvent
from lifecycle.models import ModelVersion
from portfolio.models import UseCase

from .bodies import BODIES
from .matrix import leaks
from .policy import API, OTHER_CONFIDENTIAL, PROTECTED_FIELDS, Write
from .surface import api_operations, schema

WRITES = [op for op in api_operations() if not op.safe]
# Tables a refused request may still touch: the audit trail (refusals are recorded), sessions, tokens.
UNTRACKED_APPS = {"audit", "sessions", "admin", "authtoken", "django_celery_beat", "contenttypes", "notifications"}
HOSTILE_DIGEST = "0" * 64
HOSTILE_NUMBER = 999999


def _request_properties(operation) -> set[str]:
    body = schema()["paths"][operation.path][operation.method.lower()].get("requestBody", {})
    ref = body.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return set(schema()["components"]["schemas"].get(ref.split("/")[-1], {}).get("properties", {}))


def test_request_schemas_take_protected_fields_only_where_the_policy_says():
    """A serializer that starts accepting `stage`, `owner` or `business_unit` fails here until reviewed."""
    wrong = []
    for op in WRITES:
        row = API.get(op.operation_id)
        if not isinstance(row, Write):
            continue  # test_read_matrix reports the missing row
        taken = _request_properties(op) & set(PROTECTED_FIELDS)
        if taken != set(row.settable) | set(row.rejected):
            wrong.append(f"{op}: takes {sorted(taken)}, policy settable={sorted(row.settable)}")
    assert not wrong, "review these and update `settable` in tests/hostile/policy.py:\n" + "\n".join(wrong)


def test_every_unsafe_operation_has_a_body():
    missing = [
        f'  "{op.operation_id}": lambda w, c, me: {{...}},  # {op}' for op in WRITES if op.operation_id not in BODIES
    ]
    assert not missing, "add a valid body to BODIES in tests/hostile/bodies.py:\n" + "\n".join(missing)
    assert not set(BODIES) - {op.operation_id for op in WRITES}, "bodies for operations that no longer exist"


def _hostile(world, mallory) -> dict:
    other = world.objects
    values = {
        "stage": "production",
        "status": "retired",
        "risk_tier": "critical",
        "digest": HOSTILE_DIGEST,
        "number": HOSTILE_NUMBER,
        "approved": True,
        "approved_at": "2020-01-01T00:00:00Z",
        "is_staff": True,
        "is_superuser": True,
        "confidential": True,
        "owners": [mallory.pk],
        "groups": [1],
        "business_unit": other["business_unit"]["other"].pk,
        "consumer": other["business_unit"]["other"].pk,
        "provider": other["business_unit"]["other"].pk,
        "use_case": other["use_case"]["other_confidential"].pk,
        "model": other["model"]["other_confidential"].pk,
        "version": other["model_version"]["other_confidential"].pk,
        "objective": other["objective"]["other"].pk,
    }
    for name in PROTECTED_FIELDS:
        values.setdefault(name, mallory.pk)  # every other protected field names a user: the attacker's pick
    return values


def _fingerprint() -> dict:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.app_label not in UNTRACKED_APPS and m._meta.managed and not m._meta.proxy
    }


def _snapshot(record) -> dict:
    if record is None:
        return {}
    fresh = type(record)._base_manager.get(pk=record.pk)
    data = model_to_dict(fresh)
    data.pop("updated_at", None)
    return {k: (sorted(x.pk for x in v) if _related(v) else v) for k, v in data.items()}


def _related(value) -> bool:
    """A many-to-many value (a list of records), not a JSON list."""
    return isinstance(value, list) and bool(value) and all(hasattr(x, "pk") for x in value)


def _global_violations(mallory) -> list[str]:
    found = []
    for model in apps.get_models():
        if not model._meta.managed:
            continue
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey | models.ManyToManyField)
                and field.related_model is User
                and not field.auto_created
                and model._base_manager.filter(**{field.name: mallory}).exists()
            ):
                found.append(f"{model._meta.label}.{field.name} points at the attacker's pick")
    if User.objects.filter(models.Q(is_staff=True) | models.Q(is_superuser=True)).exists():
        found.append("a user became staff or superuser")
    if ModelVersion.objects.filter(models.Q(stage="production") | models.Q(digest=HOSTILE_DIGEST)).exists():
        found.append("a version reached production or took a client-sent digest")
    if UseCase.objects.filter(models.Q(number=HOSTILE_NUMBER) | models.Q(risk_tier="critical")).exists():
        found.append("a use case took a client-sent number or risk tier")
    return found


def _classes(row, world) -> list[str]:
    if row.parent:
        return list(world.objects[row.parent])
    if row.resource:
        return list(world.objects[row.resource])
    return ["any"]


def _landed(record, before: dict, extras: dict) -> list[str]:
    """Protected fields of the addressed record that now hold the hostile value they did not hold before."""
    after = _snapshot(record)
    return [
        f"{name}={after[name]!r}"
        for name, hostile in extras.items()
        if name in after and after[name] == hostile and before.get(name) != hostile
    ]


def _audited(response, actor) -> list[str]:
    """T14: the audit events under the answer's request id. A change answered 2xx has its events (one per
    record changed, none twice), each naming the actor, and an update keeps the values it replaced; a refusal
    answered 403 has exactly one `access.denied`."""
    rows = AuditEvent.objects.filter(request_id=response["X-Request-ID"]).order_by("seq")
    events = list(rows.values_list("action", "target_type", "target_id", "actor_id"))
    status, found = response.status_code, []
    if 200 <= status < 300:
        changes = [e for e in events if e[0] != "access.denied"]
        if response.wsgi_request.method in ("PUT", "PATCH") and not any(rows.values_list("changes", flat=True)):
            found.append(f"an update answered {status} recorded no before and after values")
        if not changes:
            found.append(f"answered {status} with no audit event under its request id")
        if len(set(changes)) != len(changes):
            found.append(f"an audit event recorded twice: {sorted(changes)}")
        found += [f"event {e[0]} names actor {e[3]}, not {actor.pk}" for e in changes if actor and e[3] != actor.pk]
    elif status == 403 and [e[0] for e in events].count("access.denied") != 1:
        found.append(f"refused with 403 but recorded {[e[0] for e in events]}")
    return found


@pytest.mark.parametrize("operation", WRITES, ids=lambda op: op.operation_id)
def test_unsafe_operation_rechecks_scope_and_ignores_protected_fields(operation, world, make_user):
    row, body_for = API.get(operation.operation_id), BODIES.get(operation.operation_id)
    if row is None or body_for is None:
        pytest.fail(f"{operation}: add a Write row to tests/hostile/policy.py and a body to tests/hostile/bodies.py")
    mallory = make_user("mallory")
    actor = world.users[row.actor]
    client = APIClient()
    if actor is not None:
        client.force_authenticate(actor)
    taken = _request_properties(operation) - set(row.rejected)
    problems, outcomes = [], []
    for object_class in _classes(row, world):
        record = None
        if row.resource:
            by_class = world.objects[row.resource]
            record = by_class.get(object_class, by_class.get("any"))
        body = body_for(world, object_class, actor)
        extras = {k: v for k, v in _hostile(world, mallory).items() if k not in taken and k not in body}
        counts, before = _fingerprint(), _snapshot(record)
        url = operation.url(record.pk if record is not None else None)
        response = getattr(client, operation.method.lower())(url, {**body, **extras}, format="json")
        outcomes.append(f"{object_class}:{response.status_code}")
        cell = f"{operation} as {row.actor} on {object_class}"
        legitimate = object_class == "any" or object_class.startswith("own") or row.cross_unit
        if response.status_code >= 500 and not (response.status_code == 503 and "import" in operation.path):
            problems.append(f"{cell}: server error {response.status_code}")
        shown = leaks(world, row.actor, response)
        if shown:
            problems.append(f"{cell}: the answer names records the actor may not see: {shown}")
        if legitimate:
            checked = {k: v for k, v in extras.items() if k not in row.sets}
            problems += [f"{cell}: hostile value landed: {x}" for x in _landed(record, before, checked)]
        else:
            refused = row.refused_hidden if object_class == OTHER_CONFIDENTIAL else row.refused
            if response.status_code not in refused:
                problems.append(f"{cell}: expected {refused}, got {response.status_code} {response.content[:300]!r}")
            if _fingerprint() != counts or _snapshot(record) != before:
                problems.append(f"{cell}: refused, yet the database changed")
        problems += [f"{cell}: {v}" for v in _audited(response, actor)]
        problems += [f"{cell}: {v}" for v in _global_violations(mallory)]
        if problems:
            break
    assert not problems, "\n".join(problems) + f"\n(outcomes: {outcomes})"

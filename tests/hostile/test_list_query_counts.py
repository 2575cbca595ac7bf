"""T19, the N+1 half: every list of the API answers a page of 100 rows in as many SQL queries as a page of 10.

The lists come from the OpenAPI schema (every GET answering a page), so a list added tomorrow is checked on
arrival. The reader is a data scientist of one unit, whose rows are filtered by permission; a list the data
scientist may not read is read by the first role that may. Each list is filled to more than 100 rows the reader
sees by copying a row it already shows, with the same parents (so a missing select_related or prefetch costs a
query per row), a new value in one free field of each unique set or, where the set has none (foreign keys,
choices), a copy of its last parent too. The two lists under a record (a series' points, a use case's realised
values) get rows their own way.
"""

import copy
import itertools
from datetime import date, datetime, timedelta

import pytest
from django.db import connection, models
from django.db.models.base import ModelState
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from monitoring.models import ValueRealisation
from monitoring.sync import series_store
from portfolio import services as portfolio

from .policy import OWN
from .surface import list_operations

ROWS = 101
READERS = ("data_scientist", "program_manager", "review_board", "executive", "platform_admin")
_serial = itertools.count(1)


def _unique_sets(model) -> list[list[models.Field]]:
    sets = [[f] for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    sets += [[model._meta.get_field(n) for n in names] for names in model._meta.unique_together]
    sets += [
        [model._meta.get_field(n) for n in c.fields] for c in model._meta.constraints if getattr(c, "fields", None)
    ]
    return sets


def _vary(field, value, n: int):
    if isinstance(field, models.CharField | models.TextField):
        suffix = f"~{n}"
        return (value or "")[: (field.max_length or 1000) - len(suffix)] + suffix
    if isinstance(field, models.DateTimeField):
        return value + timedelta(seconds=n)
    if isinstance(field, models.DateField):
        return value + timedelta(days=n)
    if isinstance(field, models.IntegerField | models.DecimalField):
        return (value or 0) + 1_000_000 + n
    raise AssertionError(f"no way to vary {field} for a copy: teach _vary")


def clone(obj, times: int) -> list:
    """`times` copies of `obj` under the same parents, unique fields varied (a parent copied when a unique set is
    all foreign keys), many-to-many links copied."""
    model = type(obj)
    assert not model._meta.parents, f"{model.__name__}: copies of multi-table models are not supported"
    varied, parents = set(), {}
    for fields in _unique_sets(model):
        plain = [f for f in fields if not f.is_relation and not f.choices]  # a choice has only so many values
        if plain:
            varied.add(plain[-1])
        elif getattr(obj, fields[-1].attname) is not None:
            parents[fields[-1].name] = clone(getattr(obj, fields[-1].name), times)
    copies = []
    for i in range(times):
        new = copy.copy(obj)
        new.pk, new._state = None, ModelState()
        new.__dict__.pop("_prefetched_objects_cache", None)
        n = next(_serial)
        for field in varied:
            setattr(new, field.attname, _vary(field, getattr(obj, field.attname), n))
        for name, made in parents.items():
            setattr(new, name, made[i])
        copies.append(new)
    made = model._base_manager.bulk_create(copies)
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if not through._meta.auto_created:
            continue
        source, target = field.m2m_field_name() + "_id", field.m2m_reverse_field_name() + "_id"
        linked = list(through.objects.filter(**{source: obj.pk}).values_list(target, flat=True))
        through.objects.bulk_create([through(**{source: c.pk, target: t}) for c in made for t in linked])
    return made


def _points(world) -> int:
    series = world.objects["metric_series"][OWN]
    start = int(datetime(2026, 1, 1).timestamp() * 1000)
    series_store(series_id=series.pk, points=[(s, start + s * 86_400_000, 0.1) for s in range(2, ROWS + 2)])
    return series.pk


def _realised(world) -> int:
    use_case = world.objects["use_case"][OWN]
    days = [date(2026, 1, 1) + timedelta(days=d) for d in range(ROWS)]
    ValueRealisation.objects.bulk_create([ValueRealisation(use_case=use_case, day=d, value=10) for d in days])
    return use_case.pk


# The lists under one record: how to give that record enough rows; returns its id.
NESTED = {"metrics_points_list": _points, "use_cases_realised_values_list": _realised}


def _rows(response) -> list:
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def _model(url: str):
    view = resolve(url.split("?")[0]).func.cls
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else view.serializer_class.Meta.model


def _queries(client, url: str, size: int) -> tuple[int, int]:
    client.get(f"{url}?page_size={size}")  # warm-up: sessions, caches, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{url}?page_size={size}")
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), len(_rows(response))


def _lists_that_none_see(world) -> None:
    """Records of the kinds the shared world leaves empty: a dependency between use cases, a person's skill, the
    reader's own API token and training record."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from core.tokens import api_token_issue
    from governance import services as governance

    api_token_issue(user=world.users["data_scientist"], name="notebook")
    today = timezone.localdate()
    governance.training_record_add(
        actor=get_user_model().objects.get(username="builder_admin"),
        user=world.users["data_scientist"],
        completed_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=300),
    )
    builder = world.users["program_manager"]
    use_case, other = world.objects["use_case"][OWN], world.objects["use_case"]["own_confidential"]
    portfolio.dependency_add(actor=builder, use_case=use_case, depends_on=other)
    portfolio.person_skill_set(
        actor=builder, person=world.users["data_scientist"], skill=world.objects["skill"]["any"], level=3
    )


@pytest.mark.django_db
def test_every_list_answers_100_rows_in_the_queries_of_10(world, clients):
    assert len(list_operations()) > 40, "the schema lost its lists"
    _lists_that_none_see(world)
    problems = []
    for op in list_operations():
        url = op.url(NESTED[op.operation_id](world) if op.operation_id in NESTED else None)
        reader = next((r for r in READERS if clients[r][0].get(f"{url}?page_size=500").status_code == 200), None)
        if reader is None:
            problems.append(f"{op}: no role of {READERS} may read it")
            continue
        client = clients[reader][0]
        seen = _rows(client.get(f"{url}?page_size=500"))
        if len(seen) < ROWS and op.operation_id not in NESTED:
            assert seen, f"{op}: {reader} sees no row to copy; add one in _lists_that_none_see"
            model = _model(url)
            clone(model._base_manager.get(pk=seen[0]["id"]), ROWS - len(seen))
        small, ten = _queries(client, url, 10)
        large, hundred = _queries(client, url, 100)
        if hundred < 100:
            problems.append(f"{op}: {reader} sees {hundred} rows, not enough to fill a page of 100")
        elif large != small:
            problems.append(f"{op} as {reader}: {small} queries for {ten} rows, {large} for {hundred}")
    assert not problems, "\n".join(problems)

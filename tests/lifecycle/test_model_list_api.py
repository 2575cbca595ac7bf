"""The inventory API's list (read with .values()) answers exactly what the model serializer answers, scoped as
every other read, in a number of queries that does not grow with the inventory."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.generate import generate
from lifecycle.api.serializers import AIModelSerializer
from lifecycle.models import AIModel

pytestmark = pytest.mark.django_db


def _every_page(client, query: str = "") -> tuple[list[dict], int]:
    rows, url, pages = [], f"/api/v1/models/?page_size=7{query}", 0
    while url:
        body = client.get(url).json()
        rows, url, pages = rows + body["results"], body["next"], pages + 1
    return rows, pages


def _expected(user) -> list[dict]:
    rows = []
    for model in AIModel.objects.restrict(user, "view").order_by("name"):
        row = dict(AIModelSerializer(model).data)
        rows.append({**row, "owners": sorted(row["owners"])})
        assert all(isinstance(v, bool | int | float | str | list | type(None)) for v in row.values())
    return rows


@pytest.mark.parametrize("username", ["bench-exec", "bench-ds"])
def test_the_list_answers_what_the_serializer_answers_for_every_visible_model(api, username):
    generate(models=40, use_cases=8, versions=40, points=40, audit_events=10)
    user = User.objects.get(username=username)
    AIModel.objects.filter(pk=AIModel.objects.order_by("pk").first().pk).update(description="", model_type="")

    rows, pages = _every_page(api(user))

    assert rows == _expected(user)
    assert pages == -(-len(rows) // 7)
    assert any(row["owners"] for row in rows) and any(len(row["owners"]) > 1 for row in rows)


def test_a_confidential_model_of_another_unit_stays_out_of_the_list(api):
    generate(models=40, use_cases=8, versions=40, points=40, audit_events=10)
    ds = User.objects.get(username="bench-ds")
    hidden = (
        AIModel.objects.filter(confidential=True)
        .exclude(use_case__business_unit__memberships__user=ds)
        .values_list("pk", flat=True)
    )
    assert hidden, "the generated portfolio has a confidential model outside the data scientist's units"

    seen = {row["id"] for row in _every_page(api(ds))[0]}
    everything = {row["id"] for row in _every_page(api(User.objects.get(username="bench-exec")))[0]}

    assert not seen & set(hidden)
    assert set(hidden) <= everything
    assert {row["id"] for row in _every_page(api(ds), "&confidential=true")[0]} <= seen


def test_filters_and_ordering_still_apply(api):
    generate(models=20, use_cases=4, versions=20, points=20, audit_events=10)
    exec_ = api(User.objects.get(username="bench-exec"))
    model = AIModel.objects.order_by("pk").first()

    by_name = exec_.get("/api/v1/models/", {"q": model.name}).json()
    newest_first = exec_.get("/api/v1/models/", {"ordering": "-id", "page_size": 500}).json()

    assert [row["id"] for row in by_name["results"]] == [model.pk] and by_name["count"] == 1
    assert [row["id"] for row in newest_first["results"]] == sorted(AIModel.objects.values_list("pk", flat=True))[::-1]


def test_the_list_query_count_does_not_grow_with_the_inventory(api):
    def count(username: str) -> int:
        client = api(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/models/?page_size=500").status_code == 200
        return len(queries)

    generate(models=5, use_cases=2, versions=5, points=5, audit_events=5)
    small = {username: count(username) for username in ("bench-exec", "bench-ds")}
    generate(models=60, use_cases=10, versions=60, points=5, audit_events=5)
    large = {username: count(username) for username in ("bench-exec", "bench-ds")}

    assert large == small

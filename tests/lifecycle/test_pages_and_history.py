"""Inventory pages, and which version was in production at a past moment."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.seeding import seeding_bypass
from lifecycle import selectors, services
from lifecycle.choices import Stage
from portfolio import services as portfolio
from tests.governance.helpers import walk_to_approved

SIGNATURE = {"inputs": "[amount]"}


@pytest.fixture
def world(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud", use_case=use_case)
    return ds, model


def _to_production(ds, version):
    walk_to_approved(version, actor=ds)  # through a complete review: production checks the approval
    services.deployment_record(actor=ds, version=version, environment="production")
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION, reason="release")


def test_production_on_a_past_date_comes_from_the_history(world, api):
    ds, model = world
    start = timezone.now()
    v1 = services.model_version_register(actor=ds, model=model, version="1", signature=SIGNATURE)
    v2 = services.model_version_register(actor=ds, model=model, version="2", signature=SIGNATURE)
    with time_machine.travel(start + timedelta(days=1), tick=False):
        _to_production(ds, v1)
    with time_machine.travel(start + timedelta(days=10), tick=False):
        _to_production(ds, v2)
    assert selectors.production_version_at(model=model, at=start).version is None
    at_day_5 = selectors.production_version_at(model=model, at=start + timedelta(days=5))
    assert at_day_5.version == v1 and at_day_5.moved_by == "ds"
    assert selectors.production_version_at(model=model, at=start + timedelta(days=11)).version == v2
    body = api(ds).get(f"/api/v1/models/{model.pk}/production/", {"at": (start + timedelta(days=5)).isoformat()}).json()
    assert body["version_label"] == "1"
    assert api(ds).get(f"/api/v1/models/{model.pk}/production/?at=yesterday").status_code == 400


def test_the_inventory_pages_list_and_move_versions(world, client):
    ds, model = world
    version = services.model_version_register(actor=ds, model=model, version="1", signature=SIGNATURE)
    client.force_login(ds)
    assert "fraud" in client.get("/lifecycle/models/").content.decode()
    page = client.get(f"/lifecycle/models/{model.pk}/").content.decode()
    assert 'data-testid="version-table"' in page and "Registered" in page
    response = client.post(
        f"/lifecycle/versions/{version.pk}/transition/", {"to": "in_validation", "reason": "go"}, follow=True
    )
    assert "is now in validation" in response.content.decode()
    refused = client.post(f"/lifecycle/versions/{version.pk}/transition/", {"to": "production"}, follow=True)
    assert "Select a valid choice" in refused.content.decode()
    version.refresh_from_db()
    assert version.stage == Stage.IN_VALIDATION


def test_model_list_query_count_is_flat(world, api, units, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ds, model = world
    readers = iter(make_user(f"reader{i}", "executive") for i in range(2))

    def count():
        client = api(next(readers))  # a fresh user each time: no permission cache carried over
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/model-versions/?page_size=500").status_code == 200
        return len(queries)

    services.model_version_register(actor=ds, model=model, version="1")
    few = count()
    for i in range(2, 15):
        services.model_version_register(actor=ds, model=model, version=str(i))
    assert count() == few


def test_production_at_a_naive_time_is_read_as_utc(api, units, make_user):
    from lifecycle import services as lifecycle
    from portfolio import services as portfolio

    pm = make_user("pm-naive", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds-naive", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Naive", business_unit=units["RETAIL"])
    model = lifecycle.model_register(actor=ds, name="naive-model", use_case=use_case)
    response = api(ds).get(f"/api/v1/models/{model.pk}/production/", {"at": "2026-06-30T12:00:00"})
    assert response.status_code == 200 and response.json()["version"] is None


def test_the_inventory_counts_versions_per_row_without_grouping_every_model(world, units, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lifecycle.models import ModelVersion

    ds, model = world
    for number in ("1", "2", "3"):
        services.model_version_register(actor=ds, model=model, version=number, signature=SIGNATURE)
    with seeding_bypass():
        ModelVersion.objects.filter(model=model, version="3").update(stage=Stage.PRODUCTION)
    empty = services.model_register(actor=ds, name="empty", use_case=model.use_case)
    with CaptureQueriesContext(connection) as queries:
        rows = {m.name: (m.n_versions, m.n_production) for m in selectors.model_list(user=ds)[:50]}
    assert rows == {"fraud": (3, 1), empty.name: (0, 0)}
    # At 10,000 models a GROUP BY over every model and version came before the sort and the page cut (165 ms);
    # correlated counts let the database walk the name index and count for the page's rows only.
    assert 'GROUP BY "lifecycle_aimodel"."id"' not in queries.captured_queries[-1]["sql"]

"""Monitoring pages: they render from stored data when MLflow is down and say the data may be stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring import services
from monitoring.models import Alert, MetricDefinition, SyncRun
from monitoring.sync import metrics_sync
from tests.monitoring.factories import series_of, store, version_of


@pytest.fixture
def world(units, make_user, client):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    version = version_of(pm=pm, ds=ds, unit=units["RETAIL"])
    services.alert_rule_create(
        actor=ds,
        name="PSI drift",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=version.model,
        condition="above",
        threshold=0.2,
    )
    store(series_of(version), [0.1, 0.3])
    store(series_of(version, metric="auc"), [0.91, 0.9])
    client.force_login(ds)
    return client, version


def test_mlflow_down_shows_the_stale_banner_and_the_pages_still_render(world, settings):
    client, version = world
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    settings.MLFLOW_READ_RETRIES = 0
    assert metrics_sync().status == "failed"
    for url in (
        reverse("monitoring:sync_run_list"),
        reverse("monitoring:alert_list"),
        reverse("monitoring:version_metrics", args=[version.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "may be stale" in page.content.decode() and "last sync failed" in page.content.decode()


def test_a_successful_sync_clears_the_banner(world):
    client, _ = world
    SyncRun.objects.create(status="succeeded")
    SyncRun.objects.filter(status="succeeded").update(finished_at="2026-11-27T10:00:00Z")
    assert "may be stale" not in client.get(reverse("monitoring:sync_run_list")).content.decode()


def test_the_version_page_draws_a_chart_per_metric(world):
    client, version = world
    body = client.get(reverse("monitoring:version_metrics", args=[version.pk])).content.decode()
    assert 'id="chart-psi"' in body and 'id="chart-auc"' in body
    assert "psi is 0.3, above 0.2." in body


def test_an_alert_is_acknowledged_then_resolved_from_its_page(world):
    client, _ = world
    alert = Alert.objects.get()
    page = client.get(reverse("monitoring:alert_detail", args=[alert.pk])).content.decode()
    assert 'data-testid="acknowledge-form"' in page
    client.post(reverse("monitoring:alert_acknowledge", args=[alert.pk]), {"note": "looking"})
    alert.refresh_from_db()
    assert alert.status == "acknowledged"
    refused = client.post(
        reverse("monitoring:alert_resolve", args=[alert.pk]), {"root_cause": "", "note": ""}, follow=True
    )
    assert "root_cause" in refused.content.decode()
    client.post(reverse("monitoring:alert_resolve", args=[alert.pk]), {"root_cause": "data_issue", "note": "fixed"})
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.root_cause == "data_issue"


def test_another_unit_cannot_open_the_alert(world, make_user, units, client):
    _, _ = world
    outsider = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    client.force_login(outsider)
    alert = Alert.objects.get()
    # the model is not confidential: visible, but acting needs its unit
    assert client.get(reverse("monitoring:alert_detail", args=[alert.pk])).status_code == 200
    assert (
        'data-testid="acknowledge-form"'
        not in client.get(reverse("monitoring:alert_detail", args=[alert.pk])).content.decode()
    )
    client.post(reverse("monitoring:alert_acknowledge", args=[alert.pk]), {"note": "mine now"})
    alert.refresh_from_db()
    assert alert.status == "open"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_alert_list_and_metrics_page_run_a_flat_number_of_queries(world):
    client, version = world
    pages = (reverse("monitoring:alert_list"), reverse("monitoring:version_metrics", args=[version.pk]))
    [_queries(client, url) for url in pages]  # warm: the session and the per-process caches settle
    before = [_queries(client, url) for url in pages]
    for n in range(6):
        store(series_of(version, run_id=f"monitor-{n}"), [0.5, 0.6])
    assert Alert.objects.count() == 7
    assert [_queries(client, url) for url in pages] == before

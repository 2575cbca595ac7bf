"""The monitoring API: scoped by business unit through the version's model, commands on alerts, flat
query counts."""

import pytest

from monitoring import services
from monitoring.models import Alert, MetricDefinition, MetricSeries
from monitoring.sync import metrics_sync
from tests.monitoring.factories import DAY, T0, series_of, store, version_of


@pytest.fixture
def world(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    corp_ds = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    secret = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="fraud", confidential=True)
    services.alert_rule_create(
        actor=ds,
        name="PSI drift",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="business_unit",
        business_unit=units["RETAIL"],
        condition="above",
        threshold=0.2,
    )
    series = series_of(secret)
    store(series, [0.1, 0.3, 0.25])
    return ds, corp_ds, secret, series


def test_another_unit_sees_no_series_points_or_alerts_of_a_confidential_model(world, api):
    ds, corp_ds, secret, series = world
    outsider = api(corp_ds)
    assert outsider.get("/api/v1/metrics/").json()["count"] == 0
    assert outsider.get(f"/api/v1/metrics/{series.pk}/points/").status_code == 404
    assert outsider.get("/api/v1/alerts/").json()["count"] == 0
    alert = Alert.objects.get()
    assert outsider.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json").status_code == 404

    owner = api(ds)
    listed = owner.get("/api/v1/metrics/").json()["results"]
    assert listed == [
        {
            "id": series.pk,
            "model_version": secret.pk,
            "name": "psi",
            "kind": "drift",
            "unit": "",
            "run_id": series.run_id,
            "last_step": 2,
            "last_timestamp": T0 + 2 * DAY,
            "synced_at": listed[0]["synced_at"],
        }
    ]
    body = owner.get("/api/v1/alerts/").json()["results"][0]
    assert (body["rule"], body["model_version"], body["severity"], body["status"]) == (
        alert.rule_id,
        secret.pk,
        "warning",
        "open",
    )


def test_points_filter_by_time(world, api):
    ds, _, _, series = world
    points = api(ds).get(f"/api/v1/metrics/{series.pk}/points/", {"since": "2026-01-02T00:00:00Z"}).json()
    assert points["results"] == [
        {"step": 1, "timestamp": T0 + DAY, "value": 0.3},
        {"step": 2, "timestamp": T0 + 2 * DAY, "value": 0.25},
    ]
    for wrong in ("yesterday", "2026-13-45T00:00:00Z", "2026-01-02T00:00:00"):
        bad = api(ds).get(f"/api/v1/metrics/{series.pk}/points/", {"since": wrong})
        assert bad.status_code == 400 and "since" in bad.json()["detail"]


def test_acknowledge_and_resolve_through_the_api(world, api):
    ds, _, _, _ = world
    alert = Alert.objects.get()
    acked = api(ds).post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {"note": "on it"}, format="json")
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    missing = api(ds).post(f"/api/v1/alerts/{alert.pk}/resolve/", {"root_cause": "other"}, format="json")
    assert missing.status_code == 400
    resolved = api(ds).post(
        f"/api/v1/alerts/{alert.pk}/resolve/", {"root_cause": "concept_drift", "note": "retrained"}, format="json"
    )
    assert resolved.status_code == 200 and resolved.json()["root_cause"] == "concept_drift"
    again = api(ds).post(f"/api/v1/alerts/{alert.pk}/resolve/", {"root_cause": "other", "note": "x"}, format="json")
    assert again.status_code == 409


def test_a_rule_on_a_model_one_cannot_see_is_refused(world, api):
    _, corp_ds, secret, _ = world
    response = api(corp_ds).post(
        "/api/v1/alert-rules/",
        {
            "name": "spy",
            "metric": MetricDefinition.objects.get(name="auc").pk,
            "scope_kind": "model",
            "model": secret.model_id,
            "condition": "below",
            "threshold": 0.5,
        },
        format="json",
    )
    # Answered as if the model did not exist: a 403 would confirm it does.
    assert response.status_code == 404


def test_sync_runs_are_listed_read_only(world, api, settings):
    ds, _, _, _ = world
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    settings.MLFLOW_READ_RETRIES = 0
    metrics_sync()
    body = api(ds).get("/api/v1/sync-runs/").json()
    assert body["count"] == 1 and body["results"][0]["status"] == "failed"
    assert api(ds).post("/api/v1/sync-runs/", {}, format="json").status_code == 405


def test_list_query_counts_stay_flat(world, api, units, make_user, django_assert_max_num_queries):
    ds, _, secret, _ = world
    for n in range(8):
        store(series_of(secret, metric="psi", run_id=f"monitor-{n}"), [0.5, 0.6])
    assert MetricSeries.objects.count() == 9 and Alert.objects.count() == 9
    client = api(ds)
    for url in ("/api/v1/metrics/", "/api/v1/alerts/", "/api/v1/alert-rules/", "/api/v1/sync-runs/"):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_a_rule_threshold_must_be_a_finite_number(world, api):
    ds, _, secret, _ = world
    body = {
        "name": "odd",
        "metric": MetricDefinition.objects.get(name="auc").pk,
        "scope_kind": "model",
        "model": secret.model_id,
        "condition": "below",
    }
    for threshold in ("NaN", "Infinity", "low"):
        response = api(ds).post("/api/v1/alert-rules/", {**body, "threshold": threshold}, format="json")
        assert response.status_code == 400 and "threshold" in str(response.json())
    created = api(ds).post("/api/v1/alert-rules/", {**body, "threshold": 0.8}, format="json")
    assert created.status_code == 201 and created.json()["scope_kind"] == "model"

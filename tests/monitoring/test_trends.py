"""The version page's drift and performance trends: daily means over 30/90/365 UTC days from raw points and
the daily roll-ups of older ones, the alert rules' thresholds as lines, and each point opening the alerts of
its day. The expected means are computed here from the fixture, by hand."""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lifecycle.models import ModelVersion
from monitoring import services
from monitoring.models import Alert, DailyAggregate, MetricDefinition, MetricPoint
from monitoring.trends import version_trends
from tests.monitoring.factories import series_of, version_of

pytestmark = pytest.mark.django_db
TODAY = timezone.now().astimezone(UTC).date()


def _ms(day, at=time(12)):
    return int(datetime.combine(day, at, tzinfo=UTC).timestamp() * 1000)


def _points(series, points):
    MetricPoint.objects.bulk_create(
        MetricPoint(series=series, step=i, timestamp=ts, value=v) for i, (ts, v) in enumerate(points)
    )


@pytest.fixture
def trend_world(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    version = version_of(pm=pm, ds=ds, unit=units["RETAIL"])
    other = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="other")
    psi, auc = MetricDefinition.objects.get(name="psi"), MetricDefinition.objects.get(name="auc")
    rule = dict(actor=ds, scope_kind="model", model=version.model)
    services.alert_rule_create(name="PSI warn", metric=psi, condition="above", threshold=0.2, **rule)
    services.alert_rule_create(name="PSI stop", metric=psi, condition="above", threshold=0.35, severity="critical",
                               scope_kind="business_unit", business_unit=units["RETAIL"], actor=ds)  # fmt: skip
    services.alert_rule_create(name="AUC floor", metric=auc, condition="below", threshold=0.8, **rule)
    # Not drawn: a relative change (not in the metric's unit) and a rule on another model.
    services.alert_rule_create(name="PSI jump", metric=psi, condition="relative_change", threshold=0.5, **rule)
    services.alert_rule_create(name="Other", metric=psi, condition="above", threshold=0.9, actor=ds,
                               scope_kind="model", model=other.model)  # fmt: skip
    run_a, run_b = series_of(version), series_of(version, run_id="run-b")
    _points(run_a, [
        (_ms(TODAY - timedelta(days=2), time(0)), 0.1), (_ms(TODAY - timedelta(days=2)), 0.2),
        (_ms(TODAY - timedelta(days=2), time(23, 59, 59)), 0.3), (_ms(TODAY - timedelta(days=1)), 0.4),
        (_ms(TODAY - timedelta(days=29), time(0)), 0.15),  # the first day of a 30-day window
        (_ms(TODAY - timedelta(days=30), time(23, 59)), 0.6),  # the day before it
        (_ms(TODAY - timedelta(days=60)), 0.9),  # a day half rolled up already
    ])  # fmt: skip
    _points(run_b, [(_ms(TODAY - timedelta(days=2), time(6)), 0.5)])  # a second run of the same metric
    DailyAggregate.objects.create(series=run_a, day=TODAY - timedelta(days=60), count=2, mean=0.3, minimum=0.2,
                                  maximum=0.4, total=0.6, last=0.4)  # fmt: skip
    DailyAggregate.objects.create(series=run_b, day=TODAY - timedelta(days=200), count=4, mean=0.3, minimum=0.1,
                                  maximum=0.5, total=1.2, last=0.5)  # fmt: skip
    _points(series_of(version, metric="auc"), [(_ms(TODAY - timedelta(days=5)), 0.85),
                                               (_ms(TODAY - timedelta(days=5), time(13)), 0.87)])  # fmt: skip
    _points(series_of(version, metric="latency_p95_ms"), [(_ms(TODAY), 120.0)])  # operational: no trend
    _points(series_of(other), [(_ms(TODAY - timedelta(days=2)), 5.0)])  # another version's drift
    return {"version": version, "other": other, "ds": ds, "psi": psi, "run_a": run_a, "run_b": run_b}


def _day(n):
    return TODAY - timedelta(days=n)


PSI = {  # day: mean of every point and rolled-up point of the day, by hand
    _day(200): 1.2 / 4,
    _day(60): (0.6 + 0.9) / 3,
    _day(30): 0.6,
    _day(29): 0.15,
    _day(2): (0.1 + 0.2 + 0.3 + 0.5) / 4,
    _day(1): 0.4,
}


@pytest.mark.parametrize("days", [30, 90, 365])
def test_daily_means_over_the_window_merge_raw_points_and_roll_ups(trend_world, days, django_assert_max_num_queries):
    version = ModelVersion.objects.select_related("model__use_case").get(pk=trend_world["version"].pk)
    version_trends(user=trend_world["ds"], version=version, days=days, today=TODAY)  # content types cached
    with django_assert_max_num_queries(4):  # metrics, raw points, roll-ups, rules
        trends = version_trends(user=trend_world["ds"], version=version, days=days, today=TODAY)
    by_metric = {t.metric.name: t for t in trends}
    assert list(by_metric) == ["psi", "auc"]  # drift, then performance; no operational metric
    psi = by_metric["psi"]
    expected = {day: mean for day, mean in PSI.items() if day > TODAY - timedelta(days=days)}
    assert psi.days == sorted(expected)
    assert psi.means == pytest.approx([expected[d] for d in psi.days])
    assert by_metric["auc"].days == [_day(5)] and by_metric["auc"].means == pytest.approx([0.86])
    assert [(r.name, r.threshold) for r in psi.rules] == [("PSI warn", 0.2), ("PSI stop", 0.35)]
    assert [r.name for r in by_metric["auc"].rules] == ["AUC floor"]


def test_the_page_draws_thresholds_and_each_point_opens_its_days_alerts(client, trend_world):
    version, psi = trend_world["version"], trend_world["psi"]
    client.force_login(trend_world["ds"])
    # Alerts: one spanning the last two days on PSI; one on the other version; one older.
    rule = services.rules_in_scope(version=version).get(name="PSI warn")
    span = Alert.objects.create(rule=rule, series=trend_world["run_a"], model_version=version, severity="warning",
                                message="psi high", first_value=0.3, last_value=0.4, first_breach_at=_ms(_day(2)),
                                last_breach_at=_ms(_day(1)))  # fmt: skip
    Alert.objects.create(rule=rule, series=trend_world["run_b"], model_version=version, severity="warning",
                         status="resolved", root_cause="data_drift", message="old", first_value=1, last_value=1,
                         first_breach_at=_ms(_day(61)), last_breach_at=_ms(_day(60), time(0)))  # fmt: skip
    page = client.get(f"/monitoring/versions/{version.pk}/metrics/?window=30")
    figures = {t.metric.name: f for t, f in page.context["trends"]}
    line = figures["psi"]["data"][0]
    assert line["x"] == [d.isoformat() for d in sorted(PSI) if d > _day(30)]
    assert line["y"] == pytest.approx([PSI[d] for d in sorted(PSI) if d > _day(30)])
    assert sorted(s["y0"] for s in figures["psi"]["layout"]["shapes"]) == [0.2, 0.35]
    assert [s["y0"] for s in figures["auc"]["layout"]["shapes"]] == [0.8]
    listed = {}
    for day, (_, url) in zip(line["x"], line["customdata"], strict=True):
        query = parse_qs(urlsplit(url).query)
        assert query["model_version"] == [str(version.pk)] and query["metric"] == ["psi"]
        listed[day] = [a.pk for a in client.get(url).context["paginator"].object_list]
    assert listed == {_day(29).isoformat(): [], _day(2).isoformat(): [span.pk], _day(1).isoformat(): [span.pk]}
    old = client.get(f"/monitoring/versions/{version.pk}/metrics/?window=90").context["trends"][0][1]["data"][0]
    url = old["customdata"][old["x"].index(_day(60).isoformat())][1]
    assert [a.message for a in client.get(url).context["paginator"].object_list] == ["old"]  # resolved, listed too
    assert psi.name in page.content.decode()


def test_a_bad_window_is_named_and_the_default_shown(client, trend_world):
    client.force_login(trend_world["ds"])
    page = client.get(f"/monitoring/versions/{trend_world['version'].pk}/metrics/?window=7")
    body = page.content.decode()
    assert page.context["trend_window"] == 90
    assert '<span class="mono">window</span>: Select a valid choice. 7 is not one of the available choices.' in body


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("breached_after=2026-02-30", "breached_after", "Enter a valid date."),
        ("breached_after=2026-03-02&breached_before=2026-03-01", "breached_after",
         "breached_after (2026-03-02) is later than breached_before (2026-03-01)."),
        ("model_version=abc", "model_version", "“abc” is not an id."),
    ],
)  # fmt: skip
def test_bad_alert_filters_are_refused_by_name(client, trend_world, query, field, message):
    client.force_login(trend_world["ds"])
    page = client.get(f"/monitoring/alerts/?status=all&{query}")
    assert list(page.context["paginator"].object_list) == []
    assert f'<span class="mono">{field}</span>: {message}' in page.content.decode()
    api = client.get(f"/api/v1/alerts/?{query}")
    assert api.status_code == 400 and api.json()[field] == [message]


def test_the_page_query_count_does_not_grow_with_metrics_or_points(client, trend_world, django_assert_max_num_queries):
    version = trend_world["version"]
    client.force_login(trend_world["ds"])
    url = f"/monitoring/versions/{version.pk}/metrics/?window=365"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for name in ("ks_statistic", "accuracy", "precision"):
        series = series_of(version, metric=name)
        _points(series, [(_ms(_day(n)), 0.5 + n / 1000) for n in range(0, 300, 3)])
    with django_assert_max_num_queries(len(small)):
        page = client.get(url)
    assert len(page.context["trends"]) == 5

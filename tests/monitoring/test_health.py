"""The health check of production versions: one test per rule (one failing reason at a time), status changes
audited once, the record updated in place, shares scoped and counted in one query, the pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from core.seeding import seeding_bypass
from governance.models import Questionnaire, Review, RiskAssessment
from governance.services import current_policy
from lifecycle.models import ModelVersion
from monitoring import health, selectors, services
from monitoring.models import Alert, HealthCheck, MetricDefinition
from monitoring.sync import series_store
from tests.monitoring.factories import series_of, version_of

HOUR_MS = 3_600_000


@pytest.fixture
def people(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    return pm, ds


def fresh(version, *, hours_ago: float = 1, metric="psi", value=0.05):
    """A series of the version whose latest point is `hours_ago` old."""
    series = series_of(version, metric=metric, run_id=f"run-{version.pk}-{metric}")
    at = int((timezone.now().timestamp()) * 1000 - hours_ago * HOUR_MS)
    series_store(series_id=series.pk, points=[(0, at - 24 * HOUR_MS, value), (1, at, value)])
    return series


@pytest.fixture
def healthy(people, units):
    pm, ds = people
    version = version_of(pm=pm, ds=ds, unit=units["RETAIL"])
    fresh(version)
    return version


def check_of(version) -> HealthCheck:
    health.health_check_all()
    return HealthCheck.objects.get(model_version=version)


def kinds(check) -> list[str]:
    return [r["kind"] for r in check.reasons]


def _alert(ds, version, severity):
    services.alert_rule_create(
        actor=ds,
        name=f"latency {severity}",
        metric=MetricDefinition.objects.get(name="latency_p95_ms"),
        scope_kind="model",
        model=version.model,
        condition="above",
        threshold=500,
        severity=severity,
    )
    fresh(version, metric="latency_p95_ms", value=900)
    return Alert.objects.get(model_version=version)


def _approved_review(version, *, closed_days_ago: int, validity_days: int = 365):
    policy = current_policy("low")
    return Review.objects.create(
        version=version,
        policy=policy,
        policy_snapshot={**policy.snapshot(), "approval_validity_days": validity_days},
        status="approved",
        closed_at=timezone.now() - timedelta(days=closed_days_ago),
    )


# --- One rule at a time ---------------------------------------------------------------------------------


def test_a_version_with_fresh_metrics_and_nothing_open_is_good(healthy):
    check = check_of(healthy)
    assert (check.status, check.score, check.reasons) == ("good", 100, [])


def test_an_open_critical_alert_makes_the_version_bad_with_a_link_to_the_alert(healthy, people):
    alert = _alert(people[1], healthy, "critical")
    check = check_of(healthy)
    assert (check.status, check.score, kinds(check)) == ("bad", 60, ["alert"])
    assert check.reasons[0]["url"] == f"/monitoring/alerts/{alert.pk}/"
    assert "latency critical" in check.reasons[0]["text"]


@pytest.mark.parametrize("severity", ["warning", "info"])
def test_an_open_warning_or_info_alert_is_a_warning(healthy, people, severity):
    _alert(people[1], healthy, severity)
    check = check_of(healthy)
    assert (check.status, check.score, kinds(check)) == ("warning", 85, ["alert"])


def test_a_resolved_alert_no_longer_counts(healthy, people):
    alert = _alert(people[1], healthy, "critical")
    services.alert_resolve(actor=people[1], alert=alert, root_cause="data_issue", note="feed fixed")
    assert check_of(healthy).status == "good"


def test_no_point_for_longer_than_the_setting_is_stale(people, units, settings):
    pm, ds = people
    version = version_of(pm=pm, ds=ds, unit=units["RETAIL"])
    fresh(version, hours_ago=50)
    check = check_of(version)
    assert (check.status, kinds(check)) == ("warning", ["stale_metrics"])
    assert "48 hours" in check.reasons[0]["text"]
    settings.MONITORING_HEALTH_STALE_HOURS = 72
    assert check_of(version).status == "good"


def test_a_version_no_metric_ever_reached_is_stale(people, units):
    pm, ds = people
    version = version_of(pm=pm, ds=ds, unit=units["RETAIL"])
    check = check_of(version)
    assert (check.status, kinds(check)) == ("warning", ["stale_metrics"])
    assert check.reasons[0]["url"] == f"/monitoring/versions/{version.pk}/metrics/"


def test_an_expired_approval_is_bad(healthy):
    review = _approved_review(healthy, closed_days_ago=40, validity_days=30)
    check = check_of(healthy)
    assert (check.status, kinds(check)) == ("bad", ["approval_expired"])
    assert check.reasons[0]["url"] == f"/governance/reviews/{review.pk}/"


def test_an_approval_expiring_within_14_days_is_a_warning_and_later_is_fine(healthy):
    review = _approved_review(healthy, closed_days_ago=20, validity_days=30)  # 10 days left
    check = check_of(healthy)
    assert (check.status, kinds(check)) == ("warning", ["approval_expiring"])
    Review.objects.filter(pk=review.pk).update(policy_snapshot={**review.policy_snapshot, "approval_validity_days": 60})
    assert check_of(healthy).status == "good"


def test_an_overdue_reassessment_is_a_warning(healthy, people):
    assessment = RiskAssessment.objects.create(
        use_case=healthy.model.use_case,
        questionnaire=Questionnaire.objects.order_by("-version").first(),
        status="approved",
        author=people[0],
        reassessment_due=timezone.localdate() - timedelta(days=1),
    )
    check = check_of(healthy)
    assert (check.status, kinds(check)) == ("warning", ["reassessment_overdue"])
    RiskAssessment.objects.filter(pk=assessment.pk).update(reassessment_due=timezone.localdate() + timedelta(days=5))
    assert check_of(healthy).status == "good"


def test_reasons_add_up_in_the_score_and_the_worst_decides_the_status(healthy, people):
    _alert(people[1], healthy, "warning")
    _approved_review(healthy, closed_days_ago=40, validity_days=30)
    check = check_of(healthy)
    assert (check.status, check.score) == ("bad", 100 - 40 - 15)
    assert kinds(check) == ["approval_expired", "alert"]  # worst first


# --- Stored in place, audited on change only -------------------------------------------------------------


def test_the_record_is_updated_in_place_and_only_a_change_of_status_is_audited(healthy, people):
    check_of(healthy)
    first = HealthCheck.objects.get()
    events = AuditEvent.objects.filter(action="model_version.health_changed")
    assert events.count() == 1
    check_of(healthy)
    assert events.count() == 1  # same status: nothing new in the trail
    again = HealthCheck.objects.get()
    assert again.pk == first.pk and again.checked_at > first.checked_at and again.status_since == first.status_since
    _alert(people[1], healthy, "critical")
    check_of(healthy)
    assert events.count() == 2
    last = events.order_by("-seq").first()
    assert last.changes["health"] == ["good", "bad"]


def test_a_version_leaving_production_loses_its_record(healthy):
    check_of(healthy)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=healthy.pk).update(stage="deprecated")
    health.health_check_all()
    assert not HealthCheck.objects.exists()


def test_the_check_runs_a_constant_number_of_queries(people, units):
    pm, ds = people

    def run() -> int:
        health.health_check_all()  # the first run records a change per version; the second one measures
        with CaptureQueriesContext(connection) as queries:
            health.health_check_all()
        return len(queries)

    for n in range(2):
        fresh(version_of(pm=pm, ds=ds, unit=units["RETAIL"], name=f"small{n}"))
    few = run()
    for n in range(5):
        fresh(version_of(pm=pm, ds=ds, unit=units["RETAIL"], name=f"more{n}"))
    assert run() == few


# --- Shares and pages ----------------------------------------------------------------------------------------


def test_shares_count_only_what_the_user_may_see_in_constant_queries(people, units, make_user):
    pm, ds = people
    fresh(version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="open"))
    version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="silent")  # stale: warning
    corp_ds = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    version_of(pm=pm, ds=corp_ds, unit=units["CORP"], name="secret", confidential=True)  # warning, hidden to ds
    health.health_check_all()

    def measured(username):
        viewer = make_user(username, "data_scientist", units=(units["RETAIL"],))
        with CaptureQueriesContext(connection) as queries:
            shares = selectors.health_shares(user=viewer)
        return shares, len(queries)

    measured("warm-up")  # content types and permission caches
    shares, few = measured("viewer1")
    assert shares == {"good": 1, "warning": 1, "bad": 0, "total": 2}
    assert selectors.health_shares(user=make_user("exec", "executive"))["total"] == 3
    for n in range(3):
        version_of(pm=pm, ds=ds, unit=units["RETAIL"], name=f"later{n}")
    health.health_check_all()
    shares, more = measured("viewer2")
    assert shares["warning"] == 4 and more == few


def test_health_page_filters_by_status_unit_and_mine(people, units, make_user, client):
    pm, ds = people
    fresh(version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="tidy"))
    version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="quiet")
    other = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    version_of(pm=pm, ds=other, unit=units["CORP"], name="corporate")
    health.health_check_all()
    client.force_login(ds)
    page = client.get("/monitoring/health/").content.decode()
    assert all(name in page for name in ("tidy", "quiet", "corporate"))
    warning = client.get("/monitoring/health/?status=warning").content.decode()
    assert "quiet" in warning and "tidy v1" not in warning
    corp = client.get("/monitoring/health/?unit=CORP").content.decode()
    assert "corporate" in corp and "quiet" not in corp
    mine = client.get("/monitoring/health/?mine=1").content.decode()
    assert "quiet" in mine and "corporate" not in mine


def test_health_page_runs_constant_queries(people, units, client):
    pm, ds = people
    client.force_login(ds)

    def count() -> int:
        health.health_check_all()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/monitoring/health/").status_code == 200
        return len(queries)

    fresh(version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="one"))
    count()  # warm: the session and the per-process caches settle
    few = count()
    for n in range(4):
        version_of(pm=pm, ds=ds, unit=units["RETAIL"], name=f"many{n}")
    assert count() == few


def test_the_model_page_shows_the_health_panel_and_the_inventory_a_badge(healthy, people, client):
    _alert(people[1], healthy, "critical")
    health.health_check_all()
    client.force_login(people[1])
    page = client.get(f"/lifecycle/models/{healthy.model_id}/").content.decode()
    assert 'data-testid="health-panel"' in page and "latency critical" in page
    listing = client.get("/lifecycle/models/").content.decode()
    assert "health bad" in listing
    metrics = client.get(f"/monitoring/versions/{healthy.pk}/metrics/").content.decode()
    assert 'data-testid="version-health"' in metrics


def test_health_page_and_badges_hide_another_units_confidential_model(people, units, make_user, client):
    pm, _ = people
    corp_ds = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    secret = version_of(pm=pm, ds=corp_ds, unit=units["CORP"], name="hushhush", confidential=True)
    health.health_check_all()
    client.force_login(make_user("ds_retail", "data_scientist", units=(units["RETAIL"],)))
    assert "hushhush" not in client.get("/monitoring/health/").content.decode()
    assert client.get(f"/monitoring/versions/{secret.pk}/metrics/").status_code == 404
    client.force_login(corp_ds)
    assert "hushhush" in client.get("/monitoring/health/?mine=1").content.decode()

"""Alert rules judged on new points only, one active alert per rule and series, acknowledge and resolve,
and the production gate refusing over an open critical alert."""

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from monitoring import evaluation, services
from monitoring.models import Alert, MetricDefinition
from notifications.models import Notification
from portfolio.models import UseCase
from tests.monitoring.factories import T0, series_of, store, version_of


@pytest.fixture
def people(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    other = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    return pm, ds, other


@pytest.fixture
def version(people, units):
    pm, ds, _ = people
    return version_of(pm=pm, ds=ds, unit=units["RETAIL"])


def _rule(ds, version, **fields):
    defaults = {
        "name": "PSI drift",
        "metric": MetricDefinition.objects.get(name=fields.pop("metric", "psi")),
        "scope_kind": "model",
        "model": version.model,
        "condition": "above",
        "threshold": 0.2,
    }
    return services.alert_rule_create(actor=ds, **{**defaults, **fields})


# --- Each condition against values computed by hand ------------------------------------------------------


def _points(values, start=0):
    return [(start + i, T0 + start + i, float(v)) for i, v in enumerate(values)]


def test_threshold_above_and_below():
    new = _points([0.1, 0.25, 0.2, 0.3])
    above = evaluation.breaches(condition="above", threshold=0.2, window=2, new=new, history=[])
    assert [b.point[2] for b in above] == [0.25, 0.3]  # 0.2 is not above 0.2
    below = evaluation.breaches(condition="below", threshold=0.2, window=2, new=new, history=[])
    assert [b.point[2] for b in below] == [0.1]


def test_relative_change_from_the_baseline_window():
    # baseline = mean(0.80, 0.90) = 0.85; 0.68 is -20 %, 0.70 is -17.6 %, 1.03 is +21.2 %
    series = _points([0.80, 0.90, 0.70, 0.68, 1.03])
    found = evaluation.breaches(
        condition="relative_change", threshold=0.2, window=2, new=series, history=[], baseline=series[:2]
    )
    assert [b.point[2] for b in found] == [0.68, 1.03]
    assert found[0].observed == pytest.approx(-0.2) and found[0].reference == pytest.approx(0.85)


def test_relative_change_and_zscore_count_only_the_worse_direction_of_the_metric():
    series = _points([0.80, 0.90, 0.70, 1.03])
    better_up = evaluation.breaches(
        condition="relative_change",
        threshold=0.1,
        window=2,
        new=series,
        history=[],
        baseline=series[:2],
        higher_is_better=True,
    )
    assert [b.point[2] for b in better_up] == [0.70]  # -17.6 %; +21 % is an improvement
    history, new = _points([1, 2, 3]), _points([5, -1], start=3)
    lower_better = evaluation.breaches(
        condition="zscore", threshold=2.5, window=3, new=new, history=history, higher_is_better=False
    )
    assert [b.point[2] for b in lower_better] == [5.0]


def test_zscore_against_the_trailing_window():
    # trailing [1, 2, 3]: mean 2, sample sd 1 -> 5 has z 3; then [2, 3, 5]: mean 3.33, sd 1.528 -> 4 has z 0.44
    history = _points([1, 2, 3])
    new = _points([5, 4], start=3)
    found = evaluation.breaches(condition="zscore", threshold=2.5, window=3, new=new, history=history)
    assert [(b.point[2], round(b.observed, 6)) for b in found] == [(5.0, 3.0)]


def test_zscore_needs_a_full_window_and_a_spread():
    flat = _points([2, 2, 2])
    assert evaluation.breaches(condition="zscore", threshold=1, window=3, new=_points([9], 3), history=flat) == []
    assert evaluation.breaches(condition="zscore", threshold=1, window=3, new=_points([9], 3), history=flat[:2]) == []


# --- Through the sync's store ------------------------------------------------------------------------------


def test_a_breach_opens_one_alert_and_a_second_breach_updates_it(people, version):
    _, ds, _ = people
    rule = _rule(ds, version)
    series = series_of(version)
    store(series, [0.05, 0.1, 0.3, 0.4])
    alert = Alert.objects.get()
    assert (alert.rule, alert.model_version, alert.status, alert.breaches) == (rule, version, "open", 2)
    assert alert.first_value == 0.3 and alert.last_value == 0.4 and "above 0.2" in alert.message
    assert Notification.objects.filter(recipient=ds, category="alert").count() == 1
    assert AuditEvent.objects.filter(action="alert.opened").count() == 1

    store(series, [0.1, 0.5], start=4)
    alert.refresh_from_db()
    assert Alert.objects.count() == 1 and alert.breaches == 3 and alert.last_value == 0.5
    assert Notification.objects.filter(category="alert").count() == 1  # no second mail for the same alert


def test_only_new_points_are_judged(people, version):
    _, ds, _ = people
    series = series_of(version)
    store(series, [0.5, 0.6])  # breaches, but no rule yet
    _rule(ds, version)
    store(series, [0.5, 0.6, 0.1])  # a replay of the old points plus one new, healthy point
    assert not Alert.objects.exists()


def test_rules_by_business_unit_reach_the_versions_in_scope(people, version, units, make_user):
    _, ds, other = people
    corp_pm = make_user("pm_corp", "program_manager", units=(units["CORP"],))
    corp = version_of(pm=corp_pm, ds=other, unit=units["CORP"], name="churn")
    _rule(ds, version, scope_kind="business_unit", model=None, business_unit=units["RETAIL"])
    store(series_of(version), [0.9])
    store(series_of(corp), [0.9])
    assert list(Alert.objects.values_list("model_version", flat=True)) == [version.pk]


def test_acknowledge_then_resolve_with_a_root_cause_audited(people, version):
    _, ds, other = people
    _rule(ds, version)
    store(series_of(version), [0.9])
    alert = Alert.objects.get()
    with pytest.raises(NotAllowed):
        services.alert_acknowledge(actor=other, alert=alert, note="not mine")
    alert = services.alert_acknowledge(actor=ds, alert=alert, note="looking")
    assert alert.status == "acknowledged" and alert.assignee == ds
    with pytest.raises(Conflict):
        services.alert_acknowledge(actor=ds, alert=alert)
    alert = services.alert_resolve(actor=ds, alert=alert, root_cause="upstream_pipeline", note="feed fixed")
    assert alert.status == "resolved" and alert.root_cause == "upstream_pipeline" and "feed fixed" in alert.notes
    assert set(AuditEvent.objects.filter(target_id=str(alert.pk)).values_list("action", flat=True)) >= {
        "alert.acknowledged",
        "alert.resolved",
    }
    store(series_of(version, run_id="monitor-2"), [0.95])  # a new breach after resolving: a new alert
    assert Alert.objects.filter(status="open").count() == 1


def test_production_is_refused_while_a_critical_block_promotion_alert_is_open(people, units):
    pm, ds, _ = people
    candidate = version_of(pm=pm, ds=ds, unit=units["RETAIL"], stage=Stage.APPROVED)
    lifecycle.deployment_record(actor=ds, version=candidate, environment="production")
    rule = _rule(ds, candidate, severity="critical", action="block_promotion", name="Drift blocks release")
    store(series_of(candidate), [0.7])
    alert = Alert.objects.get(rule=rule)
    with pytest.raises(Conflict) as refused:
        lifecycle.model_version_transition(actor=ds, version=candidate, to_stage=Stage.PRODUCTION, reason="go")
    assert f"#{alert.pk}" in str(refused.value.details) and "Drift blocks release" in str(refused.value.details)
    services.alert_resolve(actor=ds, alert=alert, root_cause="data_issue", note="bad batch dropped")
    moved = lifecycle.model_version_transition(actor=ds, version=candidate, to_stage=Stage.PRODUCTION, reason="go")
    assert moved.stage == Stage.PRODUCTION


def test_a_warning_alert_does_not_block(people, units):
    pm, ds, _ = people
    candidate = version_of(pm=pm, ds=ds, unit=units["RETAIL"], stage=Stage.APPROVED)
    lifecycle.deployment_record(actor=ds, version=candidate, environment="production")
    _rule(ds, candidate, severity="warning", action="block_promotion")
    store(series_of(candidate), [0.7])
    moved = lifecycle.model_version_transition(actor=ds, version=candidate, to_stage=Stage.PRODUCTION, reason="go")
    assert moved.stage == Stage.PRODUCTION


def test_a_rule_on_a_risk_tier_reaches_the_versions_of_that_tier(people, version, units):
    pm, ds, _ = people
    low = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="churn")
    UseCase.objects.filter(pk=version.model.use_case_id).update(risk_tier="high")
    _rule(ds, version, scope_kind="risk_tier", model=None, risk_tier="high")
    store(series_of(version), [0.9])
    store(series_of(low), [0.9])
    assert list(Alert.objects.values_list("model_version", flat=True)) == [version.pk]


def test_a_rule_needs_its_scope_and_a_permission(people, version):
    pm, ds, _ = people
    with pytest.raises(ApplicationError, match="model"):
        _rule(ds, version, model=None)
    with pytest.raises(NotAllowed):
        _rule(pm, version)  # program managers do not set alert rules

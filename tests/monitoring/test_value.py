"""Value contracts: validated when set (by those who may change the use case, audited), realised per day from
the production models' daily metrics (checked against a hand calculation), recomputed idempotently, the money
an alert puts at risk, and the unit economics with the models whose margin is negative."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, NotAllowed
from core.seeding import seeding_bypass
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring import services, value
from monitoring.models import Alert, MetricDefinition, ValueRealisation
from tests.monitoring.factories import DAY, T0, series_of, store, version_of

DAY0 = date(2026, 1, 1)  # T0
NOW = "2026-01-10T12:00:00Z"
# The contracts are in USD, the currency of the cost they subtract (conversion: tests/monitoring/test_exchange_rates).
FORMULA = "precision * alerts_per_day * saving - cost_usd"
CONSTANTS = {"alerts_per_day": 10, "saving": 5}


@pytest.fixture
def people(units, make_user):
    return {
        "pm": make_user("pm", "program_manager", "data_scientist", units=(units["RETAIL"],)),
        "ds": make_user("ds", "data_scientist", units=(units["RETAIL"],)),
        "pm_corp": make_user("pm_corp", "program_manager", units=(units["CORP"],)),
        "exec": make_user("exec", "executive"),
    }


def _second_model(pm, use_case, name, stage=Stage.PRODUCTION):
    model = lifecycle.model_register(actor=pm, name=name, use_case=use_case)
    version = lifecycle.model_version_register(actor=pm, model=model, version="1", mlflow_run_id=f"run-{name}")
    with seeding_bypass():
        ModelVersion.objects.filter(pk=version.pk).update(stage=stage)
    version.refresh_from_db()
    return version


def _point(series, day: int, value: float, hour: int = 0):
    series.points.create(step=day * 100 + hour, timestamp=T0 + day * DAY + hour * 3_600_000, value=value)


@pytest.fixture
def estate(people, units):
    """One use case served by two production models and a staging candidate, with two days of points:

    day 0: A precision 0.8 and 0.6 (mean 0.7), cost 3 + 2; B precision 0.9, cost 4
    day 1: A precision 0.5, cost 1;                         B precision 0.7, cost 1
    day 2: A precision 0.9 only (no cost anywhere): not realised
    """
    pm = people["pm"]
    a = version_of(pm=pm, ds=pm, unit=units["RETAIL"], name="fraud-a")
    use_case = a.model.use_case
    b = _second_model(pm, use_case, "fraud-b")
    candidate = _second_model(pm, use_case, "fraud-c", stage=Stage.STAGING)
    precision_a, cost_a = series_of(a, "precision"), series_of(a, "cost_usd")
    precision_b, cost_b = series_of(b, "precision"), series_of(b, "cost_usd")
    for series, points in (
        (precision_a, [(0, 0.8, 0), (0, 0.6, 5), (1, 0.5, 0), (2, 0.9, 0)]),
        (cost_a, [(0, 3, 0), (0, 2, 6), (1, 1, 0)]),
        (precision_b, [(0, 0.9, 0), (1, 0.7, 0)]),
        (cost_b, [(0, 4, 0), (1, 1, 0)]),
        (series_of(candidate, "precision"), [(0, 0.0, 0), (1, 0.0, 0)]),
    ):
        for day, v, hour in points:
            _point(series, day, v, hour)
    return {"use_case": use_case, "a": a, "b": b, "precision_a": precision_a, "cost_a": cost_a, "cost_b": cost_b}


# --- Setting a contract ---------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_setting_a_contract_is_audited_and_realises_the_last_days(people, estate):
    use_case = estate["use_case"]
    contract = value.value_contract_set(
        actor=people["pm"], use_case=use_case, formula=FORMULA, constants=CONSTANTS, currency="USD"
    )
    assert contract.constants == {"alerts_per_day": 10.0, "saving": 5.0}
    event = AuditEvent.objects.get(action="value_contract.set")
    assert event.changes["formula"] == [None, FORMULA] and event.actor == people["pm"]
    days = {r.day: r for r in ValueRealisation.objects.filter(use_case=use_case)}
    # Day 0: precision mean(0.7, 0.9) = 0.8 across versions, cost 3 + 2 + 4 = 9 → 0.8 × 10 × 5 − 9 = 31.
    # Day 1: precision mean(0.5, 0.7) = 0.6, cost 1 + 1 = 2 → 30 − 2 = 28. Day 2 lacks cost: not realised.
    assert {d: r.value for d, r in days.items()} == {DAY0: Decimal("31.00"), date(2026, 1, 2): Decimal("28.00")}
    assert days[DAY0].inputs == {"cost_usd": 9.0, "precision": pytest.approx(0.8)}
    # The same contract again changes nothing and records nothing.
    value.value_contract_set(
        actor=people["pm"], use_case=use_case, formula=FORMULA, constants=CONSTANTS, currency="USD"
    )
    assert AuditEvent.objects.filter(action__startswith="value_contract").count() == 1
    value.value_contract_set(
        actor=people["pm"], use_case=use_case, formula=FORMULA, constants={**CONSTANTS, "saving": 6}, currency="USD"
    )
    assert AuditEvent.objects.filter(action="value_contract.changed").count() == 1
    assert ValueRealisation.objects.get(use_case=use_case, day=DAY0).value == Decimal("39.00")  # 0.8 × 60 − 9


@pytest.mark.parametrize(
    ("formula", "constants", "message"),
    [
        ("precision * savings", {}, "unknown name(s) savings: use a catalogued metric ("),
        ("precision * saving", {"precision": 2, "saving": 1}, "“precision” is a catalogued metric"),
        ("precision.real", {}, "formula: “precision.real” is not allowed"),
        ("precision / (alerts - 10)", {"alerts": 10}, "undefined with sample values"),
        ("precision * x", {"x": "lots"}, "constants: x is not a number"),
        ("precision * x", {"x": float("inf")}, "constants: x must be a finite number"),
        ("precision * x", {"9x": 1}, "is not a usable name"),
        ("precision * x", [1, 2], "constants: give name → number pairs"),
    ],
)
def test_a_contract_is_checked_when_set(people, estate, formula, constants, message):
    with pytest.raises(ApplicationError) as refused:
        value.value_contract_set(actor=people["pm"], use_case=estate["use_case"], formula=formula, constants=constants)
    assert message in refused.value.message
    assert not AuditEvent.objects.filter(action__startswith="value_contract").exists()


def test_unknown_names_are_listed_with_the_known_ones(people, estate):
    with pytest.raises(ApplicationError) as refused:
        value.value_contract_set(
            actor=people["pm"], use_case=estate["use_case"], formula="precison * k - cots", constants={"k": 1}
        )
    assert "unknown name(s) cots, precison" in refused.value.message
    assert "precision" in refused.value.message and "cost_usd" in refused.value.message
    assert "(declared: k)" in refused.value.message


def test_only_those_who_may_change_the_use_case_set_its_contract(people, estate):
    use_case = estate["use_case"]
    for who in ("ds", "pm_corp", "exec"):
        with pytest.raises(NotAllowed):
            value.value_contract_set(
                actor=people[who], use_case=use_case, formula=FORMULA, constants=CONSTANTS, currency="USD"
            )
    assert not AuditEvent.objects.filter(action__startswith="value_contract").exists()


# --- Realising ---------------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_recomputing_is_idempotent_and_updates_in_place(people, estate):
    use_case = estate["use_case"]
    value.value_contract_set(
        actor=people["pm"], use_case=use_case, formula=FORMULA, constants=CONSTANTS, currency="USD"
    )
    assert value.value_realise(use_case=use_case, start=DAY0)["written"] == 0
    assert value.values_recompute(start=DAY0, end=date(2026, 1, 9))["written"] == 0
    assert ValueRealisation.objects.filter(use_case=use_case).count() == 2
    # A late point on day 1 (B's precision 1.1 → mean 0.9 with 0.7): day 1 changes in place, nothing added.
    _point(series_of(estate["b"], "precision", run_id="monitor"), 1, 1.1)
    call_command("value_recompute", "--from", "2026-01-01", "--to", "2026-01-09", "--use-case", use_case.code)
    assert ValueRealisation.objects.filter(use_case=use_case).count() == 2
    # Day 1: B's day mean (0.7 + 1.1) / 2 = 0.9; across versions (0.5 + 0.9) / 2 = 0.7 → 35 − 2 = 33.
    assert ValueRealisation.objects.get(use_case=use_case, day=date(2026, 1, 2)).value == Decimal("33.00")


@time_machine.travel(NOW)
def test_after_a_sync_only_use_cases_with_newly_synced_production_models_are_realised(people, estate, units):
    use_case = estate["use_case"]
    value.value_contract_set(
        actor=people["pm"], use_case=use_case, formula=FORMULA, constants=CONSTANTS, currency="USD"
    )
    ValueRealisation.objects.all().delete()
    since = timezone.now()
    assert value.values_realise(since=since)["written"] == 0  # nothing synced since
    store(series_of(estate["a"], "requests"), [100])  # the sync stores points: the series is synced now
    assert value.values_realise(since=since) == {"written": 2, "problems": []}


# --- Money at risk ------------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_an_alert_carries_the_money_at_risk_hand_computed(people, estate):
    use_case, pm = estate["use_case"], people["pm"]
    value.value_contract_set(actor=pm, use_case=use_case, formula=FORMULA, constants=CONSTANTS, currency="USD")
    services.alert_rule_create(
        actor=pm,
        name="Precision low",
        metric=MetricDefinition.objects.get(name="precision"),
        scope_kind="model",
        model=estate["a"].model,
        condition="below",
        threshold=0.55,
    )
    store(estate["precision_a"], [0.3], start=3)
    alert = Alert.objects.get()
    # Latest realised day (day 1): precision mean(A 0.5, B 0.7) = 0.6, cost 2 → 28. With A at 0.3 and B still
    # at 0.7: mean 0.5 → 25 − 2 = 23; at risk 5 (not 15, which would pretend B dropped too).
    assert alert.money_at_risk == Decimal("5.00")
    # A later breach updates it: A at 0.4 → mean 0.55 → 27.5 − 2 = 25.5; at risk 2.50.
    store(estate["precision_a"], [0.4], start=4)
    alert.refresh_from_db()
    assert alert.money_at_risk == Decimal("2.50") and alert.breaches == 2
    assert AuditEvent.objects.get(action="alert.opened").changes["money_at_risk"] == [None, "5.00"]


@time_machine.travel(NOW)
def test_no_money_at_risk_without_a_contract_reading_the_metric(people, estate):
    services.alert_rule_create(
        actor=people["pm"],
        name="PSI",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=estate["a"].model,
        condition="above",
        threshold=0.2,
    )
    value.value_contract_set(
        actor=people["pm"], use_case=estate["use_case"], formula=FORMULA, constants=CONSTANTS, currency="USD"
    )
    store(series_of(estate["a"], "psi"), [0.5], start=3)
    assert Alert.objects.get().money_at_risk is None  # psi is not in the formula


def test_money_at_risk_replaces_only_this_models_share_of_a_summed_metric(people, estate):
    with time_machine.travel(NOW):
        value.value_contract_set(
            actor=people["pm"], use_case=estate["use_case"], formula=FORMULA, constants=CONSTANTS, currency="USD"
        )
    # Day 1: cost A 1 (one point) + B 1 = 2 → 28. A's cost points at 7 each: 7 + 1 = 8 → 30 − 8 = 22; at risk 6.
    assert value.money_at_risk(series=estate["cost_a"], value=7) == Decimal("6.00")
    # B has one point on day 1 as well: the same figure from B's side.
    assert value.money_at_risk(series=estate["cost_b"], value=7) == Decimal("6.00")


def test_money_at_risk_is_never_negative(people, estate):
    with time_machine.travel(NOW):
        value.value_contract_set(
            actor=people["pm"], use_case=estate["use_case"], formula=FORMULA, constants=CONSTANTS, currency="USD"
        )
    # A better precision than the latest day's gains value: nothing is at risk.
    assert value.money_at_risk(series=estate["precision_a"], value=0.95) == Decimal("0.00")


# --- Unit economics -----------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_unit_economics_lists_models_whose_margin_is_negative(people, estate, units):
    pm = people["pm"]
    value.value_contract_set(
        actor=pm, use_case=estate["use_case"], formula=FORMULA, constants=CONSTANTS, currency="USD"
    )
    store(series_of(estate["a"], "requests"), [1000, 1000])
    store(series_of(estate["b"], "requests"), [10, 10])
    # A use case without a contract: its model is not listed.
    lone = version_of(pm=pm, ds=pm, unit=units["RETAIL"], name="lone")
    store(series_of(lone, "requests"), [50])
    store(series_of(lone, "cost_usd"), [500])
    rows = {r["model"]: r for r in value.unit_economics(user=people["exec"])}
    assert set(rows) == {"fraud-a", "fraud-b"}
    # Realised 31 + 28 = 59 over 2,020 requests of the use case → 29.2079 per 1,000 predictions.
    # A: cost 3 + 2 + 1 = 6 over 2,000 requests → 3 per 1,000; B: 4 + 1 = 5 over 20 → 250 per 1,000.
    assert rows["fraud-a"]["cost_per_1000"] == pytest.approx(3.0)
    assert rows["fraud-a"]["value_per_1000"] == pytest.approx(29.2079, abs=1e-4)
    assert rows["fraud-b"]["margin_per_1000"] == pytest.approx(29.2079 - 250, abs=1e-4)
    assert [r["model"] for r in value.negative_margins(user=people["exec"])] == ["fraud-b"]
    assert value.unit_economics(user=people["exec"], unit="CORP") == []


@time_machine.travel(NOW)
def test_a_finished_sync_realises_the_contracts_it_fed(people, estate, django_capture_on_commit_callbacks):
    from monitoring import sync
    from monitoring.models import SyncRun

    use_case = estate["use_case"]
    value.value_contract_set(
        actor=people["pm"], use_case=use_case, formula=FORMULA, constants=CONSTANTS, currency="USD"
    )
    ValueRealisation.objects.all().delete()
    run = SyncRun.objects.create(trigger="test", versions_total=1, versions_done=1, points_inserted=1)
    store(series_of(estate["b"], "cost_usd", run_id="monitor"), [0])  # a point in this run: B was synced
    with django_capture_on_commit_callbacks(execute=True):
        sync.sync_run_finish(sync_run_id=run.pk)
    assert ValueRealisation.objects.filter(use_case=use_case).count() == 2

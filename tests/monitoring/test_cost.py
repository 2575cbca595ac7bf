"""Monthly cost by unit and model, budgets, models over budget and the forecast, scoped by user, against sums
computed by hand, in a fixed number of queries."""

from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, NotAllowed
from monitoring import cost, services
from monitoring.models import Budget, DailyAggregate
from tests.monitoring.factories import month, series_of, spend, version_of


@pytest.fixture
def estate(cost_people, units):
    """Retail: fraud (3 past months + this one) and churn; Corp: a public model and a confidential one."""
    b = cost_people["builder"]
    fraud = version_of(pm=b, ds=b, unit=units["RETAIL"], name="fraud")
    churn = version_of(pm=b, ds=b, unit=units["RETAIL"], name="churn")
    ledger = version_of(pm=b, ds=b, unit=units["CORP"], name="ledger")
    secret = version_of(pm=b, ds=b, unit=units["CORP"], name="secret", confidential=True)
    spend(fraud, {-3: [100.0] * 10, -2: [110.0] * 10, -1: [120.0] * 10, 0: [50.0, 50.0]})
    spend(churn, {-1: [10.0, 20.0], 0: [5.0]})
    spend(ledger, {-2: [300.0], -1: [400.0]})
    spend(secret, {-1: [1_000.0]})
    spend(fraud, {-1: [0.5] * 4}, metric="compute_hours")  # hours, not dollars: not spend
    return {"fraud": fraud, "churn": churn, "ledger": ledger, "secret": secret}


def _by(rows, *keys):
    return {tuple(row[k] for k in keys): row["cost"] for row in rows}


def test_monthly_cost_by_unit_sums_the_dollar_metrics_per_month(cost_people, estate):
    rows = cost.monthly_cost_by_unit(user=cost_people["executive"], months=4)
    m = [cost.month_key(month(s)) for s in (-3, -2, -1, 0)]
    assert _by(rows, "month", "unit") == {
        (m[0], "RETAIL"): 1_000.0,
        (m[1], "RETAIL"): 1_100.0,
        (m[1], "CORP"): 300.0,
        (m[2], "RETAIL"): 1_230.0,
        (m[2], "CORP"): 1_400.0,
        (m[3], "RETAIL"): 105.0,
    }
    assert {row["partial"] for row in rows if row["month"] == m[3]} == {True}
    assert {row["unit_name"] for row in rows} == {"Retail", "Corporate"}
    # A window of two months leaves the older ones out; a unit filter keeps one unit.
    assert {row["month"] for row in cost.monthly_cost_by_unit(user=cost_people["executive"], months=2)} == {m[2], m[3]}
    assert {row["unit"] for row in cost.monthly_cost_by_unit(user=cost_people["executive"], unit="CORP")} == {"CORP"}


def test_a_confidential_model_counts_only_for_those_who_may_see_it(cost_people, estate):
    last = cost.month_key(month(-1))
    retail_pm = _by(cost.monthly_cost_by_unit(user=cost_people["pm"], months=2), "month", "unit")
    corp_pm = _by(cost.monthly_cost_by_unit(user=cost_people["pm_corp"], months=2), "month", "unit")
    assert retail_pm[(last, "CORP")] == 400.0
    assert corp_pm[(last, "CORP")] == 1_400.0
    models = {row["model"] for row in cost.monthly_cost_by_model(user=cost_people["pm"], months=4)}
    assert models == {"fraud", "churn", "ledger"}


def test_rolled_up_days_count_as_spend(cost_people, estate):
    series = series_of(estate["churn"], metric="cost_usd", run_id="old-run")
    DailyAggregate.objects.create(
        series=series, day=month(-2) + timedelta(days=3), count=2, mean=5, minimum=4, maximum=6, total=10, last=6
    )
    rows = _by(cost.monthly_cost_by_model(user=cost_people["executive"], months=4), "month", "model")
    assert rows[(cost.month_key(month(-2)), "churn")] == 10.0


def test_queries_do_not_grow_with_the_data(cost_people, estate, units):
    def count(call):
        with CaptureQueriesContext(connection) as queries:
            call()
        return len(queries)

    user = cost_people["executive"]
    calls = [
        lambda: cost.monthly_cost_by_unit(user=user, months=12),
        lambda: cost.monthly_cost_by_model(user=user, months=12),
        lambda: cost.cost_forecast(user=user),
        lambda: cost.budget_lines(user=user),
        lambda: cost.models_over_budget(user=user),
        lambda: cost.spend_and_forecast(user=user, months=3),
    ]
    calls[0]()  # the user's permissions are loaded once per request
    before = [count(call) for call in calls]
    b = cost_people["builder"]
    for name in ("a", "b", "c"):
        version = version_of(pm=b, ds=b, unit=units["OPS"], name=name)
        spend(version, {-2: [1.0], -1: [2.0]})
        services.budget_set(actor=b, model=version.model, monthly_amount=1, valid_from=month(-2))
    services.budget_set(actor=b, business_unit=units["CORP"], monthly_amount=10, valid_from=month(-2))
    assert [count(call) for call in calls] == before
    assert before == [2, 2, 2, 1, 3, 2]


# --- Budgets ----------------------------------------------------------------------------------------


def test_a_program_manager_sets_a_budget_for_a_model_of_their_unit_audited(cost_people, estate):
    budget = services.budget_set(
        actor=cost_people["pm"],
        model=estate["fraud"].model,
        monthly_amount="2500",
        valid_from=month(0) + timedelta(days=9),
    )
    assert budget.valid_from == month(0) and budget.business_unit.code == "RETAIL"
    event = AuditEvent.objects.get(action="budget.set")
    assert event.changes["monthly_amount"] == [None, "2500.00"]
    again = services.budget_set(
        actor=cost_people["pm"], model=estate["fraud"].model, monthly_amount=3000, valid_from=month(0)
    )
    assert again.pk == budget.pk and Budget.objects.count() == 1
    assert AuditEvent.objects.get(action="budget.changed").changes["monthly_amount"] == ["2500.00", "3000.00"]


def test_budgets_are_refused_outside_the_unit_and_without_the_permission(cost_people, estate, make_user, units):
    with pytest.raises(NotAllowed):
        services.budget_set(
            actor=cost_people["pm"], model=estate["ledger"].model, monthly_amount=1, valid_from=month(0)
        )
    with pytest.raises(NotAllowed):
        services.budget_set(
            actor=cost_people["pm"], model=estate["secret"].model, monthly_amount=1, valid_from=month(0)
        )
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    with pytest.raises(NotAllowed):
        services.budget_set(actor=ds, model=estate["fraud"].model, monthly_amount=1, valid_from=month(0))
    for bad in (
        {"monthly_amount": -1},
        {"monthly_amount": "NaN"},
        {"monthly_amount": "lots"},
        {"monthly_amount": 1, "valid_to": month(-1)},
    ):
        with pytest.raises(ApplicationError):
            services.budget_set(actor=cost_people["pm"], model=estate["fraud"].model, valid_from=month(0), **bad)
    with pytest.raises(ApplicationError):
        services.budget_set(actor=cost_people["pm"], monthly_amount=1, valid_from=month(0))
    assert not Budget.objects.exists()


def test_budget_lines_take_the_unit_budget_else_the_sum_of_its_models(cost_people, estate, units):
    pm, pm_corp = cost_people["pm"], cost_people["pm_corp"]
    services.budget_set(actor=pm, model=estate["fraud"].model, monthly_amount=3000, valid_from=month(-2))
    services.budget_set(actor=pm, model=estate["churn"].model, monthly_amount=100, valid_from=month(-1))
    services.budget_set(actor=pm, model=estate["fraud"].model, monthly_amount=2000, valid_from=month(1))
    services.budget_set(
        actor=pm_corp, business_unit=units["CORP"], monthly_amount=5000, valid_from=month(-1), valid_to=month(0)
    )
    lines = {(r["month"], r["unit"]): r["budget"] for r in cost.budget_lines(user=cost_people["executive"], months=4)}
    key = cost.month_key
    assert (key(month(-3)), "RETAIL") not in lines
    assert lines[(key(month(-2)), "RETAIL")] == 3000
    assert lines[(key(month(-1)), "RETAIL")] == 3100
    assert lines[(key(month(1)), "RETAIL")] == 2100  # the new amount from its month on
    assert lines[(key(month(0)), "CORP")] == 5000 and (key(month(1)), "CORP") not in lines  # ended
    assert lines[(key(month(0)), "total")] == 8100
    retail_only = cost.budget_lines(user=cost_people["executive"], unit="RETAIL")
    assert {r["unit"] for r in retail_only} == {"RETAIL"}


def test_models_over_budget_this_month(cost_people, estate):
    pm = cost_people["pm"]
    services.budget_set(actor=pm, model=estate["fraud"].model, monthly_amount=80, valid_from=month(-1))
    services.budget_set(actor=pm, model=estate["churn"].model, monthly_amount=500, valid_from=month(-1))
    today = timezone.now().astimezone(UTC).date()
    days = (month(1) - month(0)).days
    over = cost.models_over_budget(user=cost_people["executive"])
    assert over == [
        {
            "model_id": estate["fraud"].model_id,
            "model": "fraud",
            "unit": "RETAIL",
            "budget": 80.0,
            "cost": 100.0,
            "projected": round(100.0 * days / today.day, 2),
            "used": 1.25,
            "over": True,
        }
    ]
    # Churn spent 5 of 500: even at this pace it stays under; with a budget of 5 it heads over.
    services.budget_set(actor=pm, model=estate["churn"].model, monthly_amount=4, valid_from=month(0))
    churn = [m for m in cost.models_over_budget(user=cost_people["executive"]) if m["model"] == "churn"]
    assert churn and churn[0]["over"] is True


# --- Forecast ---------------------------------------------------------------------------------------


def test_the_forecast_needs_three_complete_months_and_says_so(cost_people, estate):
    scopes = {s["unit"]: s for s in cost.cost_forecast(user=cost_people["executive"], months=6)}
    retail, corp, total = scopes["RETAIL"], scopes["CORP"], scopes["total"]
    assert [h["cost"] for h in retail["history"]] == [1_000.0, 1_100.0, 1_230.0]  # the current month is left out
    assert len(retail["forecast"]) == 6 and retail["message"] == ""
    assert retail["slope"] == pytest.approx(115.0)
    first = retail["forecast"][0]
    assert first["month"] == cost.month_key(month(1))
    # The line through 1000, 1100, 1230: intercept 995, slope 115; next month 995 + 3 × 115.
    assert first["cost"] == pytest.approx(1_340.0)
    assert first["low"] < first["cost"] < first["high"]
    assert corp["forecast"] == [] and "2 complete month(s)" in corp["message"]
    assert [h["cost"] for h in total["history"]] == [1_000.0, 1_400.0, 2_630.0]
    assert len(total["forecast"]) == 6
    only = cost.cost_forecast(user=cost_people["executive"], unit="RETAIL")
    assert [s["unit"] for s in only] == ["RETAIL"]


def test_pages_read_the_spend_once_for_the_history_shown_and_the_forecast(cost_people, estate):
    user = cost_people["executive"]
    history, forecast = cost.spend_and_forecast(user=user, months=2, ahead=4)
    # The history shows the last two months; the forecast still draws on every complete month.
    assert history == cost.monthly_cost_by_unit(user=user, months=2)
    assert {row["month"] for row in history} == {cost.month_key(month(-1)), cost.month_key(month(0))}
    assert forecast == cost.cost_forecast(user=user, months=4)
    retail = next(scope for scope in forecast if scope["unit"] == "RETAIL")
    assert [h["cost"] for h in retail["history"]] == [1_000.0, 1_100.0, 1_230.0]
    # Two years shown: spend older than the forecast's 12 months is in the history, not in the forecast.
    old = series_of(estate["churn"], metric="cost_usd", run_id="old-run")
    DailyAggregate.objects.create(
        series=old, day=month(-20), count=1, mean=70, minimum=70, maximum=70, total=70, last=70
    )
    history, forecast = cost.spend_and_forecast(user=user, months=24, ahead=4)
    assert (cost.month_key(month(-20)), "RETAIL") in _by(history, "month", "unit")
    assert forecast == cost.cost_forecast(user=user, months=4)

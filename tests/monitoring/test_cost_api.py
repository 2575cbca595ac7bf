"""The budgets API and the cost report: who may set a budget, what each caller sees."""

import pytest

from monitoring import services
from monitoring.models import Budget
from tests.monitoring.factories import month, spend, version_of


@pytest.fixture
def models(cost_people, units):
    b = cost_people["builder"]
    fraud = version_of(pm=b, ds=b, unit=units["RETAIL"], name="fraud")
    ledger = version_of(pm=b, ds=b, unit=units["CORP"], name="ledger")
    secret = version_of(pm=b, ds=b, unit=units["CORP"], name="secret", confidential=True)
    for version, amounts in ((fraud, [100.0] * 3), (ledger, [10.0]), (secret, [1_000.0])):
        spend(version, {-3: amounts, -2: amounts, -1: amounts, 0: amounts})
    return {"fraud": fraud.model, "ledger": ledger.model, "secret": secret.model}


def _body(**fields):
    return {"monthly_amount": "250.00", "valid_from": month(0).isoformat(), **fields}


def test_a_program_manager_sets_budgets_of_their_unit(api, cost_people, models, units, make_user):
    client = api(cost_people["pm"])
    answer = client.post("/api/v1/budgets/", _body(model=models["fraud"].pk), format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["business_unit"] == units["RETAIL"].pk
    assert client.post("/api/v1/budgets/", _body(business_unit=units["RETAIL"].pk), format="json").status_code == 201
    assert client.post("/api/v1/budgets/", _body(model=models["ledger"].pk), format="json").status_code == 403
    assert client.post("/api/v1/budgets/", _body(model=models["secret"].pk), format="json").status_code == 404
    assert client.post("/api/v1/budgets/", _body(business_unit=units["CORP"].pk), format="json").status_code == 403
    refused = client.post("/api/v1/budgets/", _body(model=models["fraud"].pk, monthly_amount="-5"), format="json")
    assert refused.status_code == 400 and "monthly_amount" in refused.json()["detail"]
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    assert api(ds).post("/api/v1/budgets/", _body(model=models["fraud"].pk), format="json").status_code == 403
    assert Budget.objects.count() == 2


def test_a_budget_of_a_hidden_model_is_not_listed(api, cost_people, models):
    services.budget_set(actor=cost_people["builder"], model=models["secret"], monthly_amount=5, valid_from=month(0))
    services.budget_set(actor=cost_people["builder"], model=models["ledger"], monthly_amount=5, valid_from=month(0))
    listed = api(cost_people["pm"]).get("/api/v1/budgets/").json()
    assert [row["model"] for row in listed["results"]] == [models["ledger"].pk]
    assert api(cost_people["executive"]).get("/api/v1/budgets/").json()["count"] == 2


def test_the_cost_report_has_history_forecast_budgets_and_models_over_budget(api, cost_people, models):
    services.budget_set(actor=cost_people["builder"], model=models["fraud"], monthly_amount=200, valid_from=month(-3))
    report = api(cost_people["pm"]).get("/api/v1/costs/", {"months": 4}).json()
    assert {(r["unit"], r["cost"]) for r in report["history"] if not r["partial"]} == {
        ("RETAIL", 300.0),
        ("CORP", 10.0),
    }
    forecast = {f["unit"]: f for f in report["forecast"]}
    assert set(forecast) == {"RETAIL", "CORP", "total"}
    assert len(forecast["total"]["forecast"]) == 6 and forecast["total"]["forecast"][0]["cost"] == 310.0
    assert {(b["unit"], b["budget"]) for b in report["budgets"]} >= {("RETAIL", 200.0), ("total", 200.0)}
    assert [m["model"] for m in report["over_budget"]] == ["fraud"]
    assert "secret" not in str(report) and "Least-squares" in report["method"]
    retail = api(cost_people["executive"]).get("/api/v1/costs/", {"unit": "RETAIL"}).json()
    assert {r["unit"] for r in retail["history"]} == {"RETAIL"} and retail["unit"] == "RETAIL"


@pytest.mark.parametrize("query", [{"unit": "NOPE"}, {"months": 0}, {"months": "x"}, {"ahead": 99}])
def test_the_cost_report_refuses_bad_parameters_in_words(api, cost_people, query):
    answer = api(cost_people["pm"]).get("/api/v1/costs/", query)
    assert answer.status_code == 400


def test_the_cost_report_needs_a_sign_in(api):
    assert api().get("/api/v1/costs/").status_code in (401, 403)

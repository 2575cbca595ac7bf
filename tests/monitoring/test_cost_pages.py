"""The cost page: chart, tables and the budget form, filtered by unit, scoped by user."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring import services
from monitoring.models import Budget
from tests.monitoring.factories import month, spend, version_of


@pytest.fixture
def estate(cost_people, units):
    b = cost_people["builder"]
    fraud = version_of(pm=b, ds=b, unit=units["RETAIL"], name="fraud")
    secret = version_of(pm=b, ds=b, unit=units["CORP"], name="secret-model", confidential=True)
    ledger = version_of(pm=b, ds=b, unit=units["CORP"], name="ledger")
    for version, daily in ((fraud, 100.0), (secret, 77.0), (ledger, 10.0)):
        spend(version, {s: [daily + s] * 3 for s in (-4, -3, -2, -1, 0)})
    services.budget_set(actor=b, model=fraud.model, monthly_amount=250, valid_from=month(-4))
    return {"fraud": fraud, "secret": secret}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_cost_page_shows_spend_forecast_and_models_over_budget(cost_people, estate):
    page = _client(cost_people["pm"]).get(reverse("monitoring:cost"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-chart="cost-chart"' in html and 'id="cost-chart"' in html
    assert "Least-squares linear trend" in html and 'data-testid="forecast-table"' in html
    over = html.split('data-testid="over-budget"')[1].split("</table>")[0]
    assert "fraud" in over  # 3 × 100 this month, above 250
    assert "secret-model" not in html
    assert 'data-testid="budget-form"' in html
    assert "Cost" in html and reverse("monitoring:cost") in html  # the menu


def test_the_unit_filter_narrows_everything(cost_people, estate):
    html = _client(cost_people["executive"]).get(reverse("monitoring:cost"), {"unit": "CORP"}).content.decode()
    table = html.split('data-testid="cost-table"')[1].split("</table>")[0]
    assert '<th class="num">CORP</th>' in table and "RETAIL" not in table
    assert 'data-testid="budget-form"' not in html  # executives read, they do not set budgets
    unknown = _client(cost_people["executive"]).get(reverse("monitoring:cost"), {"unit": "<script>"})
    assert unknown.status_code == 200 and b'aria-current="page">All' in unknown.content  # back to every unit
    assert "No business unit has the code “&lt;script&gt;”: showing every unit." in unknown.content.decode()


def test_without_enough_history_the_page_says_there_is_no_forecast(cost_people, units):
    b = cost_people["builder"]
    spend(version_of(pm=b, ds=b, unit=units["RETAIL"], name="young"), {-1: [5.0], 0: [5.0]})
    html = _client(cost_people["pm"]).get(reverse("monitoring:cost")).content.decode()
    assert "No forecast: 1 complete month(s) of cost history" in html


def test_the_budget_form_sets_a_budget_through_the_service(cost_people, estate, units):
    client = _client(cost_people["pm"])
    answer = client.post(
        reverse("monitoring:budget_set"),
        {
            "model": estate["fraud"].model_id,
            "monthly_amount": "900",
            "valid_from": month(1).strftime("%Y-%m"),
            "return_unit": "RETAIL",
        },
    )
    assert answer.status_code == 302 and answer["Location"].endswith("?unit=RETAIL")
    assert Budget.objects.get(model=estate["fraud"].model, valid_from=month(1)).monthly_amount == 900
    refused = client.post(
        reverse("monitoring:budget_set"),
        {"business_unit": units["CORP"].pk, "monthly_amount": "1", "valid_from": month(0).strftime("%Y-%m")},
        follow=True,
    )
    assert "not a member" in refused.content.decode()
    assert not Budget.objects.filter(business_unit=units["CORP"]).exists()
    assert client.get(reverse("monitoring:budget_set")).status_code == 405


def test_the_page_runs_the_same_queries_with_more_models_and_budgets(cost_people, estate, units):
    client = _client(cost_people["pm"])
    client.get(reverse("monitoring:cost"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("monitoring:cost")).status_code == 200
        return len(queries)

    before = count()
    b = cost_people["builder"]
    for name in ("m1", "m2", "m3"):
        version = version_of(pm=b, ds=b, unit=units["OPS"], name=name)
        spend(version, {-2: [3.0], -1: [4.0], 0: [5.0]})
        services.budget_set(actor=b, model=version.model, monthly_amount=1, valid_from=month(-1))
    assert count() == before

"""Value contracts through the API and the pages: GET/PUT a use case's contract, its realised values, alerts
sorted by money at risk (alerts without one last), the use case page's panel, the cost page's unit economics
and their CSV, with flat query counts."""

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring import services, value
from monitoring.models import Alert, MetricDefinition
from portfolio.models import UseCase
from tests.monitoring.factories import series_of, store, version_of

NOW = "2026-01-10T12:00:00Z"
FORMULA = "precision * alerts_per_day * saving - cost_usd"


@pytest.fixture
def people(units, make_user):
    return {
        "pm": make_user("pm", "program_manager", "data_scientist", units=(units["RETAIL"],)),
        "ds": make_user("ds", "data_scientist", units=(units["RETAIL"],)),
        "ds_corp": make_user("ds_corp", "data_scientist", units=(units["CORP"],)),
        "exec": make_user("exec", "executive"),
    }


def _served(pm, unit, name, *, precision, cost, requests, confidential=False):
    version = version_of(pm=pm, ds=pm, unit=unit, name=name, confidential=confidential)
    store(series_of(version, "precision"), precision)
    store(series_of(version, "cost_usd"), cost)
    store(series_of(version, "requests"), requests)
    return version


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def estate(people, units):
    pm = people["pm"]
    with time_machine.travel(NOW):
        fraud = _served(pm, units["RETAIL"], "fraud", precision=[0.8, 0.6], cost=[5, 5], requests=[1000, 1000])
        costly = _served(pm, units["RETAIL"], "costly", precision=[0.5, 0.5], cost=[90, 90], requests=[10, 10])
        for version in (fraud, costly):
            value.value_contract_set(
                actor=pm,
                use_case=version.model.use_case,
                formula=FORMULA,
                constants={"alerts_per_day": 10, "saving": 5},
                currency="USD",  # the formula subtracts cost_usd
            )
    return {"fraud": fraud, "costly": costly}


# --- API ----------------------------------------------------------------------------------------------


def test_put_and_get_a_contract(people, estate, api, units):
    use_case = version_of(pm=people["pm"], ds=people["pm"], unit=units["RETAIL"], name="new").model.use_case
    url = f"/api/v1/use-cases/{use_case.pk}/value-contract/"
    assert api(people["pm"]).get(url).status_code == 404  # none yet
    body = {"formula": "precision * k", "constants": {"k": 100}, "currency": "EUR"}
    refused = api(people["ds"]).put(url, body, format="json")
    assert refused.status_code == 403 and "value contract" in refused.json()["detail"]
    saved = api(people["pm"]).put(url, body, format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["metrics"] == ["precision"] and saved.json()["constants"] == {"k": 100.0}
    assert api(people["ds"]).get(url).json()["currency"] == "EUR"
    bad = api(people["pm"]).put(url, {"formula": "precision * kk"}, format="json")
    assert bad.status_code == 400 and "unknown name(s) kk" in bad.json()["detail"]


def test_a_confidential_use_case_s_contract_is_hidden_from_other_units(people, units, api):
    use_case = version_of(pm=people["pm"], ds=people["pm"], unit=units["RETAIL"], name="s").model.use_case
    UseCase.objects.filter(pk=use_case.pk).update(confidential=True)
    value.value_contract_set(actor=people["pm"], use_case=use_case, formula="precision * 2", constants={})
    for path in ("value-contract", "realised-values"):
        assert api(people["ds_corp"]).get(f"/api/v1/use-cases/{use_case.pk}/{path}/").status_code == 404
        assert api(people["ds"]).get(f"/api/v1/use-cases/{use_case.pk}/{path}/").status_code == 200


def test_realised_values_are_listed_newest_first(people, estate, api):
    use_case = estate["fraud"].model.use_case
    rows = api(people["ds"]).get(f"/api/v1/use-cases/{use_case.pk}/realised-values/").json()
    # Day 0: 0.8 × 50 − 5 = 35; day 1: 0.6 × 50 − 5 = 25.
    assert [(r["day"], r["value"]) for r in rows["results"]] == [("2026-01-02", "25.00"), ("2026-01-01", "35.00")]
    since = api(people["ds"]).get(f"/api/v1/use-cases/{use_case.pk}/realised-values/", {"since": "2026-01-02"})
    assert since.json()["count"] == 1
    bad = api(people["ds"]).get(f"/api/v1/use-cases/{use_case.pk}/realised-values/", {"since": "2026-13-01"})
    assert bad.status_code == 400


@pytest.fixture
def alerts(people, estate):
    """Three alerts: 15, none, 5 at risk."""
    pm = people["pm"]
    found = []
    # The third rule watches fraud below the first rule's threshold, so its point opens only its own alert.
    for version, threshold, point in (
        (estate["fraud"], 0.2, 0.5),
        (estate["costly"], 0.2, 0.5),
        (estate["fraud"], 0.1, 0.15),
    ):
        rule = services.alert_rule_create(
            actor=pm,
            name=f"rule {len(found)}",
            metric=MetricDefinition.objects.get(name="psi"),
            scope_kind="model",
            model=version.model,
            condition="above",
            threshold=threshold,
        )
        store(series_of(version, "psi", run_id=f"r{len(found)}"), [point])
        found.append(Alert.objects.get(rule=rule))
    for alert, amount in zip(found, (Decimal("15"), None, Decimal("5")), strict=True):
        Alert.objects.filter(pk=alert.pk).update(money_at_risk=amount)
    return found


def test_alerts_sort_by_money_at_risk_with_nulls_last(people, alerts, api):
    rows = api(people["ds"]).get("/api/v1/alerts/", {"ordering": "-money_at_risk"}).json()["results"]
    assert [r["money_at_risk"] for r in rows] == ["15.00", "5.00", None]
    rows = api(people["ds"]).get("/api/v1/alerts/", {"ordering": "money_at_risk"}).json()["results"]
    assert [r["money_at_risk"] for r in rows] == ["5.00", "15.00", None]
    page = _client(people["ds"]).get(reverse("monitoring:alert_list"), {"ordering": "-money_at_risk"})
    cells = page.content.decode().split('data-testid="money-at-risk">')[1:]
    assert [c.split("</td>")[0].strip() for c in cells] == ["15.00 USD", "5.00 USD", "—"]


def test_alert_lists_run_a_constant_number_of_queries(people, alerts, api, estate):
    def count(fetch):
        with CaptureQueriesContext(connection) as queries:
            assert fetch().status_code == 200
        return len(queries)

    page = lambda: _client(people["ds"]).get(reverse("monitoring:alert_list"), {"ordering": "-money_at_risk"})  # noqa: E731
    listing = lambda: api(people["ds"]).get("/api/v1/alerts/", {"ordering": "-money_at_risk"})  # noqa: E731
    count(listing)  # warms the user's permission caches, as any earlier request would
    before = (count(page), count(listing))
    for i in range(3):
        rule = services.alert_rule_create(
            actor=people["pm"],
            name=f"more {i}",
            metric=MetricDefinition.objects.get(name="psi"),
            scope_kind="model",
            model=estate["costly"].model,
            condition="above",
            threshold=0.2,
        )
        store(series_of(estate["costly"], "psi", run_id=f"more{i}"), [0.9])
        assert Alert.objects.filter(rule=rule).exists()
    assert (count(page), count(listing)) == before


def test_the_alert_page_says_what_is_at_risk(people, alerts):
    html = _client(people["ds"]).get(reverse("monitoring:alert_detail", args=[alerts[0].pk])).content.decode()
    assert "15.00 USD per day" in html


# --- Pages --------------------------------------------------------------------------------------------


@time_machine.travel(NOW)
def test_the_use_case_page_shows_the_contract_and_the_form_to_those_who_may_set_it(people, estate):
    use_case = estate["fraud"].model.use_case
    url = reverse("portfolio:usecase_detail", args=[use_case.pk])
    html = _client(people["pm"]).get(url).content.decode()
    panel = html.split('data-testid="value-contract-panel"')[1].split("</section>")[0]
    assert FORMULA in panel and "alerts_per_day = 10" in panel and 'data-chart="value-chart"' in panel
    assert "30.00 USD" in panel  # the mean of 35 and 25 per day
    assert 'data-testid="value-contract-form"' in panel
    assert "plotly.min.js" in html
    reader = _client(people["ds"]).get(url).content.decode()
    assert FORMULA in reader and 'data-testid="value-contract-form"' not in reader


@time_machine.travel(NOW)
def test_setting_the_contract_from_the_page(people, units):
    use_case = version_of(pm=people["pm"], ds=people["pm"], unit=units["RETAIL"], name="p").model.use_case
    url = reverse("monitoring:value_contract_set", args=[use_case.pk])
    bad = _client(people["pm"]).post(
        url, {"formula": "precision * nope", "constants": "", "currency": "USD"}, follow=True
    )
    assert "unknown name(s) nope" in bad.content.decode()
    done = _client(people["pm"]).post(
        url, {"formula": "precision * k", "constants": "k = 12.5", "currency": "USD"}, follow=True
    )
    assert "The value contract of" in done.content.decode()
    assert use_case.value_contract.constants == {"k": 12.5}
    refused = _client(people["ds"]).post(url, {"formula": "precision", "constants": "", "currency": "USD"}, follow=True)
    assert "You may not change the value contract" in refused.content.decode()


@time_machine.travel(NOW)
def test_the_cost_page_lists_negative_margins_and_exports_them(people, estate):
    html = _client(people["exec"]).get(reverse("monitoring:cost")).content.decode()
    section = html.split('data-testid="negative-margins"')[1].split("</p>")[0]
    # costly: realised (25 − 90) + (25 − 90) = −130 over 20 requests; cost 180 over 20 → deeply negative.
    assert "costly" in section and "fraud" not in section
    csv = _client(people["exec"]).get(reverse("monitoring:unit_economics_csv"))
    lines = csv.content.decode().splitlines()
    assert csv["Content-Type"].startswith("text/csv") and lines[0].startswith("model,use case")
    assert lines[1].startswith("costly,")  # worst margin first


@time_machine.travel(NOW)
def test_the_cost_page_runs_a_constant_number_of_queries(people, estate, units):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert _client(people["exec"]).get(reverse("monitoring:cost")).status_code == 200
        return len(queries)

    before = count()
    for name in ("m1", "m2"):
        version = _served(people["pm"], units["RETAIL"], name, precision=[0.9], cost=[1], requests=[10])
        value.value_contract_set(
            actor=people["pm"],
            use_case=version.model.use_case,
            formula="precision * 3 - cost_usd",
            constants={},
            currency="USD",
        )
    assert len(value.unit_economics(user=people["exec"])) == 4
    assert count() == before


def test_a_contract_is_in_the_portfolio_currency_unless_told_and_only_then_compared(people, units, settings):
    settings.CURRENCY = "EUR"
    use_case = version_of(pm=people["pm"], ds=people["pm"], unit=units["RETAIL"], name="cur").model.use_case
    contract = value.value_contract_set(actor=people["pm"], use_case=use_case, formula="precision * 2", constants={})
    assert contract.currency == "EUR"
    page = _client(people["pm"]).get(f"/portfolio/use-cases/{use_case.pk}/").content.decode()
    assert "estimated annual value ÷ 365" in page and "not compared" not in page

    value.value_contract_set(
        actor=people["pm"], use_case=use_case, formula="precision * 2", constants={}, currency="USD"
    )
    page = _client(people["pm"]).get(f"/portfolio/use-cases/{use_case.pk}/").content.decode()
    assert "the estimated value is in EUR, the contract in USD: not compared" in page

"""One currency per figure (issue 19): costs are synced in USD, values are in EUR; a figure that combines them
converts the cost at the rate an admin entered (and names it), and without a rate nothing is combined."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from core.exceptions import ApplicationError, NotAllowed
from core.navigation import menu_for
from monitoring import currency, value
from monitoring.models import ExchangeRate, ValueRealisation
from tests.monitoring.factories import series_of, store, version_of

pytestmark = pytest.mark.django_db
NOW = "2026-01-10T12:00:00Z"
FORMULA = "requests / 1000 * value_per_1000 - cost_usd"


@pytest.fixture(autouse=True)
def euro(settings):
    settings.CURRENCY = "EUR"


@pytest.fixture
def people(units, make_user):
    return {
        "admin": make_user("admin", "platform_admin", first_name="Ade", last_name="Mensah"),
        "pm": make_user("pm", "program_manager", "data_scientist", units=(units["RETAIL"],)),
    }


@pytest.fixture
def served(people, units):
    """A production model of a use case whose EUR value contract subtracts its USD cost: 2,000 requests and
    100 USD a day, worth 12 EUR per 1,000 requests (24 EUR a day before cost)."""
    pm = people["pm"]
    with time_machine.travel(NOW):
        version = version_of(pm=pm, ds=pm, unit=units["RETAIL"], name="fraud")
        store(series_of(version, "requests"), [2000, 2000])
        store(series_of(version, "cost_usd"), [10, 10])
    return version


def _contract(people, version):
    return value.value_contract_set(
        actor=people["pm"], use_case=version.model.use_case, formula=FORMULA, constants={"value_per_1000": 12}
    )


def _rate(people, rate="0.90", on=date(2025, 12, 1)):
    return currency.exchange_rate_set(
        actor=people["admin"], base_currency="usd", quote_currency="EUR", rate=rate, effective_on=on, source="ECB"
    )


# --- The service --------------------------------------------------------------------------------------


def test_a_rate_is_entered_by_an_admin_audited_and_a_second_one_the_same_day_corrects_it(people):
    rate = _rate(people)
    assert (rate.base_currency, rate.quote_currency, rate.rate) == ("USD", "EUR", Decimal("0.9"))
    event = AuditEvent.objects.get(action="exchange_rate.set")
    assert event.actor == people["admin"] and event.changes["rate"] == [None, "0.90"]
    _rate(people, rate="0.91")
    assert ExchangeRate.objects.get().rate == Decimal("0.91")
    corrected = AuditEvent.objects.get(action="exchange_rate.corrected")
    assert corrected.changes["rate"] == ["0.90000000", "0.91"]
    with pytest.raises(NotAllowed):
        currency.exchange_rate_set(
            actor=people["pm"], base_currency="USD", quote_currency="EUR", rate="2", effective_on=date(2026, 1, 1)
        )
    for bad, field in (
        ({"base_currency": "dollars"}, "base_currency"),
        ({"quote_currency": "USD"}, "quote_currency"),
        ({"rate": "0"}, "rate"),
        ({"rate": "-1"}, "rate"),
        ({"rate": "NaN"}, "rate"),
    ):
        args = {"base_currency": "USD", "quote_currency": "EUR", "rate": "0.9", "effective_on": date(2026, 1, 1)}
        with pytest.raises(ApplicationError) as refused:
            currency.exchange_rate_set(actor=people["admin"], **{**args, **bad})
        assert field in refused.value.message
    assert ExchangeRate.objects.count() == 1


def test_the_rate_in_force_is_the_latest_on_or_before_the_day_either_way_round(people):
    _rate(people, "0.90", date(2025, 12, 1))
    _rate(people, "0.80", date(2026, 1, 5))
    assert currency.rate_on(source="USD", target="EUR", on=date(2025, 11, 30)) is None
    assert currency.rate_on(source="USD", target="EUR", on=date(2026, 1, 4)).factor == Decimal("0.9")
    assert currency.rate_on(source="USD", target="EUR", on=date(2026, 1, 5)).factor == Decimal("0.8")
    assert currency.rate_on(source="EUR", target="USD", on=date(2026, 1, 5)).factor == Decimal("1.25")
    by_day = currency.rates_by_day(source="USD", target="EUR", days=[date(2025, 11, 1), date(2026, 1, 9)])
    assert by_day[date(2025, 11, 1)] is None and by_day[date(2026, 1, 9)].factor == Decimal("0.8")


# --- Figures that combine cost and value ------------------------------------------------------------------


@time_machine.travel(NOW)
def test_realised_value_converts_the_usd_cost_at_the_entered_rate(people, served):
    _rate(people, "0.90")
    _contract(people, served)
    values = list(ValueRealisation.objects.filter(use_case=served.model.use_case).values_list("value", flat=True))
    # 2,000 requests × 12 EUR / 1,000 = 24 EUR, less 10 USD × 0.90 = 9 EUR: 15 EUR a day (not 24 − 10 = 14).
    assert values == [Decimal("15.00"), Decimal("15.00")]


@time_machine.travel(NOW)
def test_without_a_rate_no_value_subtracting_a_usd_cost_is_realised(people, served):
    _contract(people, served)
    assert not ValueRealisation.objects.filter(use_case=served.model.use_case).exists()
    _rate(people, "0.90")
    value.values_recompute(start=date(2026, 1, 1), end=date(2026, 1, 10))
    assert ValueRealisation.objects.filter(use_case=served.model.use_case).count() == 2


@time_machine.travel(NOW)
def test_unit_economics_compare_cost_and_value_in_one_currency_with_the_rate_named(people, served):
    _rate(people, "0.90")
    _contract(people, served)
    [row] = value.unit_economics(user=people["pm"])
    # Cost 20 USD for 4,000 requests: 5 USD per 1,000, 4.50 EUR; value 30 EUR for 4,000: 7.50 EUR per 1,000.
    assert (row["cost_per_1000"], row["cost_per_1000_converted"]) == (5.0, 4.5)
    assert (row["value_per_1000"], row["margin_per_1000"], row["currency"]) == (7.5, 3.0, "EUR")
    page = _client(people["pm"]).get(reverse("monitoring:cost")).content.decode()
    assert "1 USD = 0.9000 EUR (rate from 2025-12-01)" in page
    assert 'data-testid="margin">3.00 EUR' in page and 'data-testid="missing-rate"' not in page


@time_machine.travel(NOW)
def test_unit_economics_without_a_rate_show_cost_and_value_apart_and_ask_for_one(people, served):
    _rate(people, "0.90")
    _contract(people, served)
    ExchangeRate.objects.all().delete()  # the realised days stay; today no rate converts the cost
    [row] = value.unit_economics(user=people["pm"])
    assert row["margin_per_1000"] is None and row["cost_per_1000_converted"] is None
    assert value.negative_margins(user=people["pm"]) == []
    page = _client(people["pm"]).get(reverse("monitoring:cost")).content.decode()
    assert 'data-testid="missing-rate"' in page and reverse("monitoring:exchange_rates") in page
    assert "not combined" in page and "5.00 USD" in page and "7.50 EUR" in page
    csv = _client(people["pm"]).get(reverse("monitoring:unit_economics_csv")).content.decode()
    assert "no rate recorded: not combined" in csv


# --- The page --------------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_rates_page_is_in_the_admin_menu_and_only_admins_enter_rates(people):
    url = reverse("monitoring:exchange_rates")
    admin_menu = {link.url for group in menu_for(people["admin"]) for link in group.links}
    assert url in admin_menu
    assert url not in {link.url for group in menu_for(people["pm"]) for link in group.links}
    admin = _client(people["admin"])
    form = {"base_currency": "USD", "quote_currency": "EUR", "rate": "0.93", "effective_on": "2026-01-01"}
    assert admin.post(url, {**form, "source": "ECB"}).status_code == 302
    page = admin.get(url).content.decode()
    assert "1 USD = 0.93 EUR" in page and "Ade Mensah" in page and 'name="rate"' in page
    refused = admin.post(url, {**form, "quote_currency": "USD"})
    assert refused.status_code == 400 and "two different currencies" in refused.content.decode()
    assert admin.post(url, {**form, "rate": ""}).status_code == 400
    pm = _client(people["pm"])
    assert 'name="rate"' not in pm.get(url).content.decode()  # readers see the rates, without the form
    assert pm.post(url, {**form, "rate": "5"}).status_code == 403
    assert list(ExchangeRate.objects.values_list("rate", flat=True)) == [Decimal("0.93")]


@time_machine.travel(NOW)
def test_the_value_panel_names_the_rate_or_asks_for_one(people, served):
    _contract(people, served)
    url = reverse("portfolio:usecase_detail", args=[served.model.use_case.pk])
    page = _client(people["pm"]).get(url).content.decode()
    assert "no USD → EUR rate is recorded" in page and reverse("monitoring:exchange_rates") in page
    _rate(people, "0.90")
    page = _client(people["pm"]).get(url).content.decode()
    assert "converted into EUR at the rate in force each day (today 1 USD = 0.9000 EUR (rate from 2025-12-01))" in page

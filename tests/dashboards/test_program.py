"""The program manager's dashboard: the backlog under live weights, what lacks an assessment, benefits,
and the next portfolio review's agenda, each checked against the fixture; scoped and exportable."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portfolio import services as portfolio
from portfolio.models import ScoringCriterion, StopLoss, UseCase

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def backlog(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    criteria = list(ScoringCriterion.objects.filter(is_active=True, higher_is_better=True, source="manual")[:2])
    cases = {}
    # A scores high on the first criterion, B on the second: the weights decide who leads.
    for title, unit, first, second in (("A", "RETAIL", 5, 1), ("B", "CORP", 1, 5), ("C", "RETAIL", 3, 3)):
        case = portfolio.use_case_create(
            actor=pm, title=title, business_unit=units[unit], estimated_value=Decimal(100), estimated_cost=Decimal(10)
        )
        for criterion, score in zip(criteria, (first, second), strict=True):
            portfolio.score_record(actor=pm, use_case=case, criterion=criterion, score=score, rationale="Workshop.")
        cases[title] = case
    live = portfolio.use_case_create(actor=pm, title="Live one", business_unit=units["RETAIL"],
                                     estimated_value=Decimal(1000))  # fmt: skip
    UseCase.objects.filter(pk=live.pk).update(status="live", risk_tier="low")
    live.refresh_from_db()
    portfolio.benefit_review_record(actor=pm, use_case=live, reviewed_on=TODAY, realised_value=Decimal(500),
                                    findings="Half of the plan.")  # fmt: skip
    stop = portfolio.stop_loss_set(actor=pm, use_case=live, measure="realised_value", threshold=Decimal(900),
                                   due_date=TODAY - timedelta(days=30))  # fmt: skip
    StopLoss.objects.filter(pk=stop.pk).update(missed_periods=2)
    UseCase.objects.filter(pk=cases["C"].pk).update(status="assessing")
    return pm, cases, criteria, live


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_backlog_reranks_with_weights_in_the_url(client, backlog):
    pm, cases, criteria, _ = backlog
    client.force_login(pm)
    first, second = criteria
    others = "".join(f"&weight_{c.key}=0" for c in ScoringCriterion.objects.exclude(pk__in=[first.pk, second.pk]))
    url = f"/dashboards/program/?export=backlog{others}"
    heavy_first = _csv(client.get(f"{url}&weight_{first.key}=10&weight_{second.key}=0"))
    heavy_second = _csv(client.get(f"{url}&weight_{first.key}=0&weight_{second.key}=10"))
    assert heavy_first[0]["title"] == "A" and heavy_second[0]["title"] == "B"
    assert {r["title"] for r in heavy_first} == {"A", "B", "C"}  # the live one is not backlog
    page = client.get(f"/dashboards/program/?weight_{first.key}=10").content.decode()
    assert f"{first.name} ×10" in page


def test_unit_filter_narrows_the_backlog(client, backlog, units):
    pm, *_ = backlog
    client.force_login(pm)
    rows = _csv(client.get("/dashboards/program/?export=backlog&unit=CORP"))
    assert [r["title"] for r in rows] == ["B"]


def test_missing_assessment_lists_active_unassessed_use_cases(client, backlog):
    pm, cases, _, live = backlog
    client.force_login(pm)
    rows = _csv(client.get("/dashboards/program/?export=unassessed"))
    assert sorted(r["title"] for r in rows) == ["A", "B", "C"]  # the live one has its tier
    page = client.get("/dashboards/program/").content.decode()
    panel = page.split('data-testid="unassessed"')[1].split("</section>")[0]
    assert ">3</span>" in panel


def test_agenda_names_decisions_stop_losses_and_under_delivery(client, backlog):
    pm, cases, _, live = backlog
    portfolio.portfolio_review_create(actor=pm, title="Q-review", quarter="2030-Q1", held_on=TODAY + timedelta(days=20))
    client.force_login(pm)
    page = client.get("/dashboards/program/").content.decode()
    agenda = page.split('data-testid="agenda"')[1].split("</section>")[0]
    assert "Q-review" in agenda
    assert cases["C"].code in agenda.split("Go / no-go")[1].split("</div>")[0]
    assert live.code in agenda.split("Stop-loss missed")[1].split("</div>")[0]
    under = agenda.split("Under-delivering")[1].split("</div>")[0]
    assert live.code in under and "500" in under
    benefits = _csv(client.get("/dashboards/program/?export=benefits"))
    assert [(r["title"], Decimal(r["realised"])) for r in benefits] == [("Live one", Decimal(500))]


def test_program_dashboard_queries_stay_bounded(client, backlog, django_assert_max_num_queries):
    pm, *_ = backlog
    client.force_login(pm)
    client.get("/dashboards/program/")
    with django_assert_max_num_queries(45):
        assert client.get("/dashboards/program/").status_code == 200

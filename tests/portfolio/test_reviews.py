"""RACI, strategic assumptions and quarterly reviews whose decisions apply through the workflow."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict
from portfolio import services
from portfolio.models import Assumption, ReviewDecision, UseCase, UseCaseRaci


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],))


@pytest.fixture
def case(pm, units):
    use_case = services.use_case_create(actor=pm, title="Claims triage", business_unit=units["RETAIL"])
    UseCase.objects.filter(pk=use_case.pk).update(status="in_delivery")
    use_case.refresh_from_db()
    return use_case


@pytest.fixture
def review(pm):
    return services.portfolio_review_create(
        actor=pm, title="Q4 portfolio board", quarter="2026-q4", held_on=date(2026, 11, 20), attendees=[pm]
    )


def test_a_new_accountable_person_replaces_the_previous_one(pm, case, make_user):
    other = make_user("sam")
    services.raci_assign(actor=pm, use_case=case, person=pm, role="A")
    services.raci_assign(actor=pm, use_case=case, person=other, role="R")
    services.raci_assign(actor=pm, use_case=case, person=other, role="A")
    assert sorted(case.raci.values_list("person__username", "role")) == [("sam", "A"), ("sam", "R")]
    event = AuditEvent.objects.filter(action="use_case.raci_assigned").latest("seq")
    assert event.changes == {"accountable": ["pm", "sam"]}
    with pytest.raises(ApplicationError, match="role"):
        services.raci_assign(actor=pm, use_case=case, person=other, role="X")


def test_an_assumption_that_still_holds_needs_a_future_date(pm):
    assumption = services.assumption_create(
        actor=pm, statement="Customers accept chat for claims", review_date=date.today() - timedelta(days=3)
    )
    with pytest.raises(ApplicationError, match="next_review_date"):
        services.assumption_review(actor=pm, assumption=assumption, status="holding", note="still true")
    services.assumption_review(
        actor=pm,
        assumption=assumption,
        status="holding",
        note="survey says yes",
        next_review_date=date.today() + timedelta(days=90),
    )
    assumption.refresh_from_db()
    assert assumption.review_date == date.today() + timedelta(days=90) and assumption.last_note == "survey says yes"


def test_overdue_assumptions_are_flagged_in_the_api(pm, api):
    services.assumption_create(actor=pm, statement="Late", review_date=date.today() - timedelta(days=1))
    services.assumption_create(actor=pm, statement="Fine", review_date=date.today() + timedelta(days=1))
    rows = {r["statement"]: r["overdue"] for r in api(pm).get("/api/v1/assumptions/").json()["results"]}
    assert rows == {"Late": True, "Fine": False}


def test_a_pause_decision_moves_the_use_case_and_is_audited(pm, case, review):
    services.review_decide(actor=pm, review=review, use_case=case, decision="pause", notes="Funding freeze")
    case.refresh_from_db()
    assert case.status == "paused"
    assert case.transitions.get().reason == "Q4 portfolio board (2026-Q4): Funding freeze"
    assert AuditEvent.objects.filter(action="portfolio_review.decided").exists()


def test_a_decision_the_workflow_forbids_leaves_nothing_behind(pm, units, review):
    rejected = services.use_case_create(actor=pm, title="Closed", business_unit=units["RETAIL"])
    UseCase.objects.filter(pk=rejected.pk).update(status="rejected")
    with pytest.raises(Conflict):
        services.review_decide(actor=pm, review=review, use_case=rejected, decision="pause", notes="Pause it")
    assert not ReviewDecision.objects.exists()


def test_retiring_a_backlog_item_rejects_it(pm, units, review):
    proposed = services.use_case_create(actor=pm, title="Idea", business_unit=units["RETAIL"])
    services.review_decide(actor=pm, review=review, use_case=proposed, decision="retire", notes="No sponsor")
    proposed.refresh_from_db()
    assert proposed.status == "rejected"


def test_reallocation_changes_the_budget_split(pm, case, review):
    with pytest.raises(ApplicationError, match="budget"):
        services.review_decide(actor=pm, review=review, use_case=case, decision="reallocate", notes="Shift")
    services.review_decide(
        actor=pm,
        review=review,
        use_case=case,
        decision="reallocate",
        notes="Pay down debt",
        budget_innovation=Decimal(100_000),
        budget_tech_debt=Decimal(250_000),
    )
    case.refresh_from_db()
    assert (case.budget_innovation, case.budget_tech_debt) == (Decimal(100_000), Decimal(250_000))


def test_one_decision_per_use_case_per_review(pm, case, review):
    services.review_decide(actor=pm, review=review, use_case=case, decision="continue", notes="On track")
    with pytest.raises(Conflict, match="already decided"):
        services.review_decide(actor=pm, review=review, use_case=case, decision="accelerate", notes="Faster")


def test_a_badly_written_quarter_is_refused(pm):
    with pytest.raises(ApplicationError, match="YYYY-Qn"):
        services.portfolio_review_create(actor=pm, title="Board", quarter="Q4 2026", held_on=date(2026, 11, 1))


def test_the_api_records_decisions_and_hides_other_units_confidential_ones(pm, case, review, units, make_user, api):
    response = api(pm).post(
        f"/api/v1/portfolio-reviews/{review.pk}/decisions/",
        {"use_case": case.pk, "decision": "accelerate", "notes": "Strong results"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    UseCase.objects.filter(pk=case.pk).update(confidential=True)
    outsider = make_user("corp", "program_manager", units=(units["CORP"],))
    assert api(outsider).get(f"/api/v1/portfolio-reviews/{review.pk}/decisions/").json() == []
    assert len(api(pm).get(f"/api/v1/portfolio-reviews/{review.pk}/decisions/").json()) == 1


def test_raci_through_the_api(pm, case, api, make_user):
    other = make_user("sam")
    response = api(pm).post(f"/api/v1/use-cases/{case.pk}/raci/", {"person": other.pk, "role": "A"}, format="json")
    assert response.status_code == 201 and response.json()[0]["role"] == "A"
    assert UseCaseRaci.objects.filter(use_case=case, role="A", person=other).exists()
    assert Assumption.objects.count() == 0


def test_the_review_page_decides_and_applies(client, pm, case, review):
    client.force_login(pm)
    response = client.post(
        f"/portfolio/reviews/{review.pk}/",
        {"use_case": case.pk, "decision": "pause", "notes": "Wait for the vendor"},
        follow=True,
    )
    assert "recorded and applied" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "paused"
    page = client.post(
        f"/portfolio/reviews/{review.pk}/", {"use_case": case.pk, "decision": "pause", "notes": ""}
    ).content.decode()
    assert "This field is required" in page


def test_the_assumptions_page_flags_overdue_and_records_checks(client, pm):
    late = services.assumption_create(actor=pm, statement="Vendor API opens", review_date=date.today() - timedelta(1))
    client.force_login(pm)
    assert "overdue" in client.get("/portfolio/assumptions/").content.decode()
    page = client.post(
        "/portfolio/assumptions/", {"assumption": late.pk, "status": "holding", "note": "Still on the vendor roadmap"}
    ).content.decode()
    assert "needs a future date" in page
    client.post("/portfolio/assumptions/", {"assumption": late.pk, "status": "invalidated", "note": "Vendor said no"})
    late.refresh_from_db()
    assert late.status == "invalidated"
    assert "overdue" not in client.get("/dashboards/program/").content.decode()


def test_ordering_a_reviews_decisions_by_a_decision_field_is_ignored_not_a_server_error(pm, case, review, api):
    # The decisions answer with their own serializer: its fields are not the review's, so they cannot order it.
    url = f"/api/v1/portfolio-reviews/{review.pk}/decisions/?ordering=use_case"
    assert api(pm).get(url).status_code == 200
    response = api(pm).post(url, {"use_case": case.pk, "decision": "continue", "notes": "Steady"}, format="json")
    assert response.status_code == 201, response.json()
    assert api(pm).get("/api/v1/portfolio-reviews/?ordering=-quarter").status_code == 200

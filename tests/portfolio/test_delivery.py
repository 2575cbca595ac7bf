"""Delivery: stop-loss verdicts, benefit reviews, forecast calibration, skills coverage, change actions."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict
from portfolio import selectors, services
from portfolio.models import KPI, Objective, PersonSkill, Skill, UseCase


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"], units["OPS"]))


def _case(pm, units, title="Claims triage", status="live", unit="RETAIL", value=1000):
    use_case = services.use_case_create(
        actor=pm, title=title, business_unit=units[unit], estimated_value=Decimal(value)
    )
    UseCase.objects.filter(pk=use_case.pk).update(status=status)
    use_case.refresh_from_db()
    return use_case


@pytest.fixture
def kpi(units):
    objective = Objective.objects.create(title="Faster offers", business_unit=units["RETAIL"])
    return KPI.objects.create(
        objective=objective,
        name="Days to offer",
        unit="days",
        direction="lower",
        baseline=9,
        target=4,
        baseline_date=date(2026, 1, 1),
        target_date=date(2027, 6, 1),
    )


def test_a_kpi_stop_loss_is_met_pending_or_missed(pm, units, kpi):
    use_case = _case(pm, units)
    stop = services.stop_loss_set(
        actor=pm, use_case=use_case, measure="kpi", kpi=kpi, threshold=Decimal(7), due_date=date(2026, 12, 31)
    )
    assert services.stop_loss_status(stop, today=date(2026, 6, 1)) == ("pending", None)
    services.kpi_measurement_record(actor=pm, kpi=kpi, measured_on=date(2026, 6, 1), value=Decimal(8))
    assert services.stop_loss_status(stop, today=date(2027, 1, 5))[0] == "missed"
    services.kpi_measurement_record(actor=pm, kpi=kpi, measured_on=date(2026, 12, 1), value=Decimal("6.5"))
    assert services.stop_loss_status(stop, today=date(2027, 1, 5)) == ("met", Decimal("6.5"))


def test_a_kpi_stop_loss_needs_its_kpi(pm, units):
    with pytest.raises(ApplicationError, match="kpi"):
        services.stop_loss_set(
            actor=pm, use_case=_case(pm, units), measure="kpi", threshold=Decimal(1), due_date=date(2027, 1, 1)
        )


def test_benefits_are_reviewed_only_once_live(pm, units):
    proposed = _case(pm, units, status="approved")
    with pytest.raises(Conflict, match="once it is live"):
        services.benefit_review_record(
            actor=pm, use_case=proposed, reviewed_on=date.today(), realised_value=Decimal(10), findings="Too early"
        )
    live = _case(pm, units, title="Live one")
    services.benefit_review_record(
        actor=pm,
        use_case=live,
        reviewed_on=date.today(),
        realised_value=Decimal(800),
        findings="Finance confirmed the savings",
    )
    event = AuditEvent.objects.get(action="use_case.benefits_reviewed")
    assert event.changes["realised"] == [None, "800"]


def test_calibration_compares_realised_with_projected_per_unit(pm, units):
    for title, unit, projected, realised in (
        ("A", "RETAIL", 1000, 600),
        ("B", "RETAIL", 1000, 800),
        ("C", "OPS", 500, 550),
    ):
        use_case = _case(pm, units, title=title, unit=unit, value=projected)
        services.benefit_review_record(
            actor=pm, use_case=use_case, reviewed_on=date.today(), realised_value=Decimal(realised), findings="measured"
        )
    _case(pm, units, title="Not reviewed", value=999)  # no review: not in the record
    rows = {row["key"]: row for row in selectors.forecast_calibration(user=pm)}
    assert rows["RETAIL"]["factor"] == Decimal("0.70") and rows["RETAIL"]["cases"] == 2
    assert rows["OPS"]["factor"] == Decimal("1.10")


def test_benefits_by_objective_sum_live_use_cases(pm, units, kpi):
    use_case = _case(pm, units, value=1000)
    services.use_case_link_objective(
        actor=pm, use_case=use_case, objective=kpi.objective, kpi=kpi, expected_contribution=Decimal(-2)
    )
    services.benefit_review_record(
        actor=pm,
        use_case=use_case,
        reviewed_on=date.today() - timedelta(days=90),
        realised_value=Decimal(500),
        findings="first",
    )
    services.benefit_review_record(
        actor=pm, use_case=use_case, reviewed_on=date.today(), realised_value=Decimal(900), findings="latest"
    )
    (row,) = selectors.benefits_by_objective(user=pm)
    assert (row["projected"], row["realised"], row["reviewed"]) == (Decimal(1000), Decimal(900), 1)


def test_skills_coverage_finds_gaps_and_single_holders(pm, units, make_user):
    use_case = _case(pm, units, status="approved")
    ml = Skill.objects.create(name="ML engineering", critical=True)
    comms = Skill.objects.create(name="Change management")
    expert = make_user("ada")
    services.raci_assign(actor=pm, use_case=use_case, person=expert, role="R")
    services.person_skill_set(actor=pm, person=expert, skill=ml, level=4)
    services.person_skill_set(actor=pm, person=make_user("bob"), skill=comms, level=2)
    services.skill_need_set(actor=pm, use_case=use_case, skill=ml, level=3)
    services.skill_need_set(actor=pm, use_case=use_case, skill=comms, level=3)
    rows = {row["need"].skill.name: row for row in selectors.skills_coverage(use_case=use_case)}
    assert rows["ML engineering"]["in_team"] == [expert] and rows["ML engineering"]["single_point"]
    assert rows["Change management"]["gap"]  # bob is not in the team, and level 2 < 3 anyway
    with pytest.raises(ApplicationError, match="level"):
        services.person_skill_set(actor=pm, person=expert, skill=ml, level=7)
    assert PersonSkill.objects.get(person=expert).level == 4


def test_change_actions_are_tracked_and_audited(pm, units):
    use_case = _case(pm, units, status="in_delivery")
    action = services.change_action_add(
        actor=pm,
        use_case=use_case,
        kind="reskilling",
        owner=pm,
        description="Train claims handlers on the triage screen",
        due_date=date(2027, 2, 1),
    )
    services.change_action_complete(actor=pm, action=action)
    action.refresh_from_db()
    assert action.done
    assert list(
        AuditEvent.objects.filter(action__startswith="use_case.change_action")
        .values_list("action", flat=True)
        .order_by("seq")
    ) == ["use_case.change_action_added", "use_case.change_action_done"]


def test_the_benefits_page_and_detail_sections_render(client, pm, units):
    use_case = _case(pm, units)
    client.force_login(pm)
    assert 'data-testid="benefits-table"' in client.get("/portfolio/benefits/").content.decode()
    page = client.get(f"/portfolio/use-cases/{use_case.pk}/").content.decode()
    assert 'data-testid="delivery"' in page and "Record a benefit review" in page
    response = client.post(
        f"/portfolio/use-cases/{use_case.pk}/readiness/", {"item": "uat", "evidence": ""}, follow=True
    )
    assert "evidence" in response.content.decode()


def test_the_delivery_api(pm, units, kpi, api):
    use_case = _case(pm, units, status="in_delivery")
    client = api(pm)
    url = f"/api/v1/use-cases/{use_case.pk}"
    assert client.get(f"{url}/stop-loss/").status_code == 404
    response = client.put(
        f"{url}/stop-loss/",
        {"measure": "kpi", "kpi": kpi.pk, "threshold": "7", "due_date": "2099-01-01", "periods_allowed": 2},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "pending"
    for item in ("uat", "champions", "communications"):
        assert client.post(f"{url}/readiness/", {"item": item, "evidence": "done"}, format="json").status_code == 201
    refused = client.post(f"{url}/transition/", {"to": "live", "reason": "launch"}, format="json")
    assert refused.status_code == 409 and "Support in place" in refused.json()["detail"]
    client.post(f"{url}/readiness/", {"item": "support", "evidence": "runbook"}, format="json")
    assert client.post(f"{url}/transition/", {"to": "live", "reason": "launch"}, format="json").status_code == 200
    review = client.post(
        f"{url}/benefit-reviews/",
        {"reviewed_on": "2026-11-01", "realised_value": "700", "findings": "measured"},
        format="json",
    )
    assert review.status_code == 201 and review.json()[0]["realised_value"] == "700.00"
    skill = client.post("/api/v1/skills/", {"name": "NLP", "critical": True}, format="json").json()
    assert client.post(f"{url}/skill-needs/", {"skill": skill["id"], "level": 9}, format="json").status_code == 400
    assert client.post(f"{url}/skill-needs/", {"skill": skill["id"], "level": 3}, format="json").status_code == 201


def test_the_ranking_can_discount_values_by_the_units_record(pm, units, api):
    reviewed = _case(pm, units, title="Done", value=1000)
    services.benefit_review_record(
        actor=pm, use_case=reviewed, reviewed_on=date.today(), realised_value=Decimal(600), findings="measured"
    )
    _case(pm, units, title="New claim", status="proposed", value=2000)
    _case(pm, units, title="Ops claim", status="proposed", unit="OPS", value=2000)
    rows = {r["title"]: r for r in api(pm).get("/api/v1/ranking/?calibrated=1").json()["results"]}
    assert rows["New claim"]["calibrated_value"] == "1200.00" and rows["New claim"]["calibration_factor"] == "0.60"
    assert rows["Ops claim"]["calibrated_value"] == "2000.00"  # no record: no discount
    assert rows["New claim"]["estimated_value"] == "2000.00"  # the claim itself stays visible
    plain = api(pm).get("/api/v1/ranking/").json()["results"]
    assert all(row["calibrated_value"] is None for row in plain)


def test_the_skills_register_flags_critical_skills_with_one_holder(client, pm, make_user):
    ml = Skill.objects.create(name="ML engineering", critical=True)
    Skill.objects.create(name="Change management")
    client.force_login(pm)
    response = client.post(
        "/portfolio/skills/", {"person": make_user("ada").pk, "skill": ml.pk, "level": "4"}, follow=True
    )
    page = response.content.decode()
    assert "Skills register updated" in page and "single holder" in page
    bad = client.post("/portfolio/skills/", {"person": pm.pk, "skill": ml.pk, "level": ""}).content.decode()
    assert "This field is required" in bad
    assert PersonSkill.objects.count() == 1


def test_the_strategy_page_shows_the_capability_tree(client, pm, units):
    from portfolio.models import Capability

    # Program managers may add capabilities (core/roles.py).
    lending = services.capability_create(actor=pm, name="Lending")
    services.capability_create(actor=pm, name="Collections", parent=lending)
    client.force_login(pm)
    page = client.get("/portfolio/objectives/").content.decode()
    assert page.index("Lending") < page.index("└ Collections")
    assert Capability.objects.count() == 2

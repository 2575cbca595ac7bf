"""Roadmap planning: waves, capacity, dependencies (no cycles), agreements, and the conflicts found."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from portfolio import services
from portfolio.conflicts import plan_conflicts
from portfolio.models import Dependency, RoadmapItem, UseCase, Wave
from portfolio.planning import recommend_plan


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"], units["OPS"]))


@pytest.fixture
def admin(make_user):
    return make_user("root", "platform_admin")


@pytest.fixture
def team(admin):
    return services.team_create(actor=admin, name="ML engineering")


@pytest.fixture
def waves(pm, team):
    q1 = services.wave_create(actor=pm, name="Q1", start=date(2027, 1, 1), end=date(2027, 3, 31), capacities={team: 40})
    q2 = services.wave_create(actor=pm, name="Q2", start=date(2027, 4, 1), end=date(2027, 6, 30), capacities={team: 40})
    return q1, q2


def _approved(pm, units, title, unit="RETAIL"):
    use_case = services.use_case_create(actor=pm, title=title, business_unit=units[unit])
    UseCase.objects.filter(pk=use_case.pk).update(status="approved")
    use_case.refresh_from_db()
    return use_case


def test_a_wave_that_ends_before_it_starts_is_refused(pm):
    with pytest.raises(ApplicationError, match="end"):
        services.wave_create(actor=pm, name="Backwards", start=date(2027, 3, 1), end=date(2027, 1, 1))
    assert not Wave.objects.exists()


def test_planning_an_approved_use_case_records_its_effort(pm, units, team, waves):
    use_case = _approved(pm, units, "A")
    item = services.roadmap_plan(
        actor=pm,
        use_case=use_case,
        wave=waves[0],
        planned_start=date(2027, 1, 10),
        planned_end=date(2027, 2, 10),
        efforts={team: 20},
    )
    assert list(item.efforts.values_list("person_days", flat=True)) == [20]
    assert AuditEvent.objects.filter(action="roadmap.planned").exists()


def test_only_approved_use_cases_go_on_the_roadmap(pm, units, team, waves):
    proposed = services.use_case_create(actor=pm, title="Not yet", business_unit=units["RETAIL"])
    with pytest.raises(Conflict, match="only approved"):
        services.roadmap_plan(
            actor=pm,
            use_case=proposed,
            wave=waves[0],
            planned_start=date(2027, 1, 10),
            planned_end=date(2027, 2, 10),
            efforts={team: 5},
        )


def test_dates_must_fit_the_wave(pm, units, team, waves):
    use_case = _approved(pm, units, "A")
    with pytest.raises(ApplicationError, match="does not fit"):
        services.roadmap_plan(
            actor=pm,
            use_case=use_case,
            wave=waves[0],
            planned_start=date(2027, 3, 20),
            planned_end=date(2027, 4, 20),
            efforts={team: 5},
        )
    assert not RoadmapItem.objects.exists()


def test_a_dependency_cycle_is_refused_and_named(pm, units):
    a, b, c = (_approved(pm, units, t) for t in "ABC")
    services.dependency_add(actor=pm, use_case=a, depends_on=b)
    services.dependency_add(actor=pm, use_case=b, depends_on=c)
    with pytest.raises(ApplicationError, match="cycle"):
        services.dependency_add(actor=pm, use_case=c, depends_on=a)
    with pytest.raises(ApplicationError, match="itself"):
        services.dependency_add(actor=pm, use_case=a, depends_on=a)
    assert Dependency.objects.count() == 2


def test_conflicts_find_order_capacity_and_late_agreements(pm, units, team, waves):
    first, second = _approved(pm, units, "Foundation"), _approved(pm, units, "Built on it")
    services.roadmap_plan(
        actor=pm,
        use_case=first,
        wave=waves[1],
        planned_start=date(2027, 4, 1),
        planned_end=date(2027, 5, 1),
        efforts={team: 30},
    )
    services.roadmap_plan(
        actor=pm,
        use_case=second,
        wave=waves[1],
        planned_start=date(2027, 4, 15),
        planned_end=date(2027, 6, 1),
        efforts={team: 25},
    )
    services.dependency_add(actor=pm, use_case=second, depends_on=first)
    services.agreement_create(
        actor=pm,
        title="Data feed",
        provider=units["OPS"],
        consumer=units["RETAIL"],
        due_date=date.today() - timedelta(days=1),
    )
    services.agreement_create(
        actor=pm,
        title="Future SLA",
        provider=units["OPS"],
        consumer=units["RETAIL"],
        due_date=date.today() + timedelta(days=10),
    )
    found = {c.kind: c for c in plan_conflicts(use_cases=UseCase.objects.all())}
    assert set(found) == {"dependency", "capacity", "agreement"}
    assert f"{second.code} starts 2027-04-15, before {first.code}" in found["dependency"].message
    assert "55 person-days planned for 40 available" in found["capacity"].message
    assert "Data feed" in found["agreement"].message


def test_a_plan_in_order_and_within_capacity_has_no_conflict(pm, units, team, waves):
    first, second = _approved(pm, units, "Foundation"), _approved(pm, units, "Built on it")
    services.roadmap_plan(
        actor=pm,
        use_case=first,
        wave=waves[0],
        planned_start=date(2027, 1, 1),
        planned_end=date(2027, 3, 1),
        efforts={team: 30},
    )
    services.roadmap_plan(
        actor=pm,
        use_case=second,
        wave=waves[1],
        planned_start=date(2027, 4, 1),
        planned_end=date(2027, 6, 1),
        efforts={team: 30},
    )
    services.dependency_add(actor=pm, use_case=second, depends_on=first)
    assert plan_conflicts(use_cases=UseCase.objects.all()) == []


def test_an_agreement_is_recorded_by_the_consuming_unit(pm, units, make_user):
    outsider = make_user("corp_pm", "program_manager", units=(units["CORP"],))
    with pytest.raises(NotAllowed):
        services.agreement_create(
            actor=outsider, title="X", provider=units["OPS"], consumer=units["RETAIL"], due_date=date(2027, 1, 1)
        )
    with pytest.raises(ApplicationError, match="two different"):
        services.agreement_create(
            actor=pm, title="X", provider=units["RETAIL"], consumer=units["RETAIL"], due_date=date(2027, 1, 1)
        )


def test_the_api_plans_and_reports_conflicts(pm, units, team, waves, api):
    use_case = _approved(pm, units, "Via API")
    client = api(pm)
    response = client.post(
        "/api/v1/roadmap-items/",
        {
            "use_case": use_case.pk,
            "wave": waves[0].pk,
            "planned_start": "2027-01-05",
            "planned_end": "2027-03-01",
            "efforts": [{"team": team.pk, "person_days": 50}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["efforts"] == [{"team": team.pk, "person_days": 50}]
    conflicts = client.get("/api/v1/roadmap-items/conflicts/").json()
    assert [c["kind"] for c in conflicts] == ["capacity"]
    bad = client.post("/api/v1/waves/", {"name": "Bad", "start": "2027-05-01", "end": "2027-04-01"}, format="json")
    assert bad.status_code == 400 and "end" in bad.json()["detail"]


def test_the_api_refuses_a_cycle_with_400(pm, units, api):
    a, b = _approved(pm, units, "A"), _approved(pm, units, "B")
    client = api(pm)
    assert (
        client.post("/api/v1/dependencies/", {"use_case": a.pk, "depends_on": b.pk}, format="json").status_code == 201
    )
    response = client.post("/api/v1/dependencies/", {"use_case": b.pk, "depends_on": a.pk}, format="json")
    assert response.status_code == 400 and "cycle" in response.json()["detail"]


def test_the_roadmap_page_shows_the_conflicts(client, pm, units, team, waves):
    first = _approved(pm, units, "Foundation")
    services.roadmap_plan(
        actor=pm,
        use_case=first,
        wave=waves[0],
        planned_start=date(2027, 1, 1),
        planned_end=date(2027, 3, 1),
        efforts={team: 90},
    )
    client.force_login(pm)
    page = client.get("/portfolio/roadmap/").content.decode()
    assert "1 conflict in the plan" in page and "over capacity in Q1" in page and 'data-chart="roadmap-gantt"' in page


# --- Recommended plan -----------------------------------------------------------------------------------


def test_the_recommendation_fixes_capacity_and_dependency_order(pm, units, team, waves):
    first, second = _approved(pm, units, "Foundation"), _approved(pm, units, "Built on it")
    UseCase.objects.filter(pk__in=[first.pk, second.pk]).update(estimated_value=1000)
    # Both in Q1 for 60 days of a 40-day team, and the dependant starts first: two conflicts.
    services.roadmap_plan(
        actor=pm,
        use_case=second,
        wave=waves[0],
        planned_start=date(2027, 1, 5),
        planned_end=date(2027, 2, 1),
        efforts={team: 30},
    )
    services.roadmap_plan(
        actor=pm,
        use_case=first,
        wave=waves[0],
        planned_start=date(2027, 2, 1),
        planned_end=date(2027, 3, 1),
        efforts={team: 30},
    )
    services.dependency_add(actor=pm, use_case=second, depends_on=first)
    proposal = recommend_plan(use_cases=UseCase.objects.all())
    assert proposal.solved
    moves = {c.code: (c.before, c.after) for c in proposal.changes}
    assert moves == {second.code: ("Q1", "Q2")}
    assert "must follow" in proposal.changes[0].why
    assert services.roadmap_apply_recommendation(actor=pm, use_cases=UseCase.objects.all()) == 1
    assert RoadmapItem.objects.get(use_case=second).wave == waves[1]
    assert plan_conflicts(use_cases=UseCase.objects.all()) == []
    assert AuditEvent.objects.filter(action="roadmap.recommendation_applied").exists()


def test_a_budget_leaves_the_least_valuable_out(pm, units, team, waves):
    rich, poor = _approved(pm, units, "Rich"), _approved(pm, units, "Poor")
    UseCase.objects.filter(pk=rich.pk).update(estimated_value=5000, estimated_cost=100)
    UseCase.objects.filter(pk=poor.pk).update(estimated_value=100, estimated_cost=100)
    for use_case in (rich, poor):
        services.roadmap_plan(
            actor=pm,
            use_case=use_case,
            wave=waves[0],
            planned_start=date(2027, 1, 5),
            planned_end=date(2027, 2, 1),
            efforts={team: 10},
        )
    proposal = recommend_plan(use_cases=UseCase.objects.all(), budget=Decimal(150))
    assert [(c.code, c.after) for c in proposal.changes] == [(poor.code, None)]
    assert proposal.cost_recommended == Decimal(100)


def test_the_recommendation_through_the_api(pm, units, team, waves, api):
    use_case = _approved(pm, units, "Late starter")
    services.roadmap_plan(
        actor=pm,
        use_case=use_case,
        wave=waves[1],
        planned_start=date(2027, 4, 5),
        planned_end=date(2027, 5, 1),
        efforts={team: 10},
    )
    client = api(pm)
    body = client.get("/api/v1/recommended-plan/").json()
    assert body["solved"] and body["changes"][0]["after"] == "Q1"  # earlier is worth more
    assert client.get("/api/v1/recommended-plan/?budget=-5").status_code == 400
    after = client.post("/api/v1/recommended-plan/apply/", {}, format="json").json()
    assert after["changes"] == []
    assert RoadmapItem.objects.get(use_case=use_case).wave == waves[0]

"""Every portfolio list answers in a number of queries that does not grow with its rows."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portfolio import services
from portfolio.models import UseCase

LISTS = [
    "waves",
    "teams",
    "agreements",
    "assumptions",
    "portfolio-reviews",
    "roadmap-items",
    "dependencies",
    "skills",
    "person-skills",
    "use-cases",
    "recommended-plan",
    "roadmap-items/conflicts",
]


def _grow(pm, admin, units, n: int, offset: int) -> None:
    team = services.team_create(actor=admin, name=f"Team {offset}")
    wave = services.wave_create(
        actor=pm,
        name=f"Wave {offset}",
        start=date(2030 + offset, 1, 1),
        end=date(2030 + offset, 12, 31),
        capacities={team: 1000},
    )
    skill = services.skill_create(actor=pm, name=f"Skill {offset}")
    review = services.portfolio_review_create(
        actor=pm, title=f"Review {offset}", quarter="2026-Q1", held_on=date(2026, 1, 1)
    )
    previous = None
    for i in range(n):
        use_case = services.use_case_create(
            actor=pm, title=f"Case {offset}-{i}", business_unit=units["RETAIL"], estimated_value=Decimal(1000 + i)
        )
        UseCase.objects.filter(pk=use_case.pk).update(status="approved")
        use_case.refresh_from_db()
        services.roadmap_plan(
            actor=pm,
            use_case=use_case,
            wave=wave,
            planned_start=wave.start,
            planned_end=wave.start + timedelta(days=30),
            efforts={team: 5},
        )
        services.raci_assign(actor=pm, use_case=use_case, person=pm, role="A")
        services.assumption_create(actor=pm, statement=f"Assumption {offset}-{i}", review_date=date(2030, 1, 1))
        services.agreement_create(
            actor=pm,
            title=f"Agreement {offset}-{i}",
            provider=units["OPS"],
            consumer=units["RETAIL"],
            due_date=date(2020, 1, 1),
        )
        services.person_skill_set(actor=pm, person=pm, skill=skill, level=3)
        services.review_decide(actor=pm, review=review, use_case=use_case, decision="continue", notes="ok")
        if previous is not None:
            services.dependency_add(actor=pm, use_case=use_case, depends_on=previous)
        previous = use_case


def _count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/{path}/?page_size=500")
    assert response.status_code == 200, (path, response.content[:300])
    return len(queries)


@pytest.mark.parametrize("path", LISTS)
def test_list_query_count_does_not_grow(path, units, make_user, api):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["OPS"]))
    admin = make_user("root", "platform_admin")
    _grow(pm, admin, units, 2, 0)
    small = _count(api(make_user("reader1", "executive")), path)
    _grow(pm, admin, units, 12, 1)
    large = _count(api(make_user("reader2", "executive")), path)
    assert large == small, f"{path}: {small} queries for few rows, {large} for many"

"""Each role's permissions and the confidential rule, on API lists, API details and pages.

The matrix: 5 roles x 4 kinds of use case (own/other business unit x confidential or not).
A confidential record of another unit must be invisible everywhere: 404 on detail, absent from
lists and counts. Executives and platform admins see everything.
"""

import pytest
from django.urls import reverse

from portfolio.models import UseCase

ROLES = ("program_manager", "data_scientist", "review_board", "executive", "platform_admin")
SEES_ALL = {"executive", "platform_admin"}


@pytest.fixture
def world(units, make_user):
    """Each role's user is a member of RETAIL only (admins and executives of none)."""
    cases = {}
    for unit_code, kind in (("RETAIL", "own"), ("CORP", "other")):
        for confidential in (False, True):
            key = f"{kind}-{'conf' if confidential else 'open'}"
            cases[key] = UseCase.objects.create(
                number=len(cases) + 1, title=f"Case {key}", business_unit=units[unit_code], confidential=confidential
            )
    users = {role: make_user(role, role, units=() if role in SEES_ALL else (units["RETAIL"],)) for role in ROLES}
    return cases, users


def _visible(role: str, key: str) -> bool:
    return role in SEES_ALL or key != "other-conf"


@pytest.mark.parametrize("role", ROLES)
def test_api_list_and_count_hold_only_visible_use_cases(world, api, role):
    cases, users = world
    body = api(users[role]).get("/api/v1/use-cases/").json()
    expected = {cases[key].pk for key in cases if _visible(role, key)}
    assert {row["id"] for row in body["results"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ["own-open", "own-conf", "other-open", "other-conf"])
def test_api_detail_answers_404_for_what_the_user_may_not_see(world, api, role, key):
    cases, users = world
    response = api(users[role]).get(f"/api/v1/use-cases/{cases[key].pk}/")
    assert response.status_code == (200 if _visible(role, key) else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ["own-open", "own-conf", "other-open", "other-conf"])
def test_pages_follow_the_same_rule(world, client, role, key):
    cases, users = world
    client.force_login(users[role])
    detail = client.get(reverse("portfolio:usecase_detail", args=[cases[key].pk]))
    assert detail.status_code == (200 if _visible(role, key) else 404)
    listing = client.get(reverse("portfolio:usecase_list")).content.decode()
    assert (f"Case {key}" in listing) is _visible(role, key)


def test_filtering_by_business_unit_cannot_reveal_hidden_records(world, api, units):
    cases, users = world
    body = api(users["data_scientist"]).get(f"/api/v1/use-cases/?business_unit={units['CORP'].pk}").json()
    assert [row["title"] for row in body["results"]] == ["Case other-open"]


def test_an_explicit_grant_reveals_one_confidential_record(world, api):
    from core.permissions import grant

    cases, users = world
    grant(
        actor=users["platform_admin"],
        grantee=users["data_scientist"],
        action="view",
        obj=cases["other-conf"],
        reason="needs it for a joint model",
    )
    assert api(users["data_scientist"]).get(f"/api/v1/use-cases/{cases['other-conf'].pk}/").status_code == 200


def test_anonymous_requests_are_refused(world, api, client):
    cases, _ = world
    assert api().get("/api/v1/use-cases/").status_code in (401, 403)
    assert client.get(reverse("portfolio:usecase_list")).status_code == 302


# --- Writes -------------------------------------------------------------------------------------------


def _payload(unit, **extra):
    return {"title": "Claims triage", "business_unit": unit.pk, "estimated_value": "1000", **extra}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("program_manager", 201),
        ("data_scientist", 403),
        ("review_board", 403),
        ("executive", 403),
        ("platform_admin", 403),
    ],
)
def test_only_program_managers_propose_use_cases(world, api, units, role, status):
    _, users = world
    response = api(users[role]).post("/api/v1/use-cases/", _payload(units["RETAIL"]), format="json")
    assert response.status_code == status, response.json()
    assert UseCase.objects.filter(title="Claims triage").exists() is (status == 201)


def test_a_program_manager_cannot_propose_in_another_unit(world, api, units):
    _, users = world
    response = api(users["program_manager"]).post("/api/v1/use-cases/", _payload(units["CORP"]), format="json")
    assert response.status_code == 403
    assert "not a member" in response.json()["detail"]
    assert not UseCase.objects.filter(title="Claims triage").exists()


def test_a_program_manager_cannot_edit_another_units_use_case(world, api):
    cases, users = world
    target = cases["other-open"]
    response = api(users["program_manager"]).patch(
        f"/api/v1/use-cases/{target.pk}/", {"title": "Hijacked"}, format="json"
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.title == "Case other-open"


def test_a_program_manager_cannot_move_a_use_case_out_of_reach(world, api, units):
    cases, users = world
    target = cases["own-open"]
    response = api(users["program_manager"]).patch(
        f"/api/v1/use-cases/{target.pk}/", {"business_unit": units["CORP"].pk}, format="json"
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.business_unit == units["RETAIL"]


def test_protected_fields_are_ignored_on_write(world, api):
    cases, users = world
    target = cases["own-open"]
    response = api(users["program_manager"]).patch(
        f"/api/v1/use-cases/{target.pk}/", {"status": "live", "risk_tier": "low", "title": "Renamed"}, format="json"
    )
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.status, target.risk_tier, target.title) == ("proposed", "unassessed", "Renamed")


def test_deleting_a_use_case_is_not_offered(world, api):
    cases, users = world
    response = api(users["platform_admin"]).delete(f"/api/v1/use-cases/{cases['own-open'].pk}/")
    assert response.status_code == 405
    assert UseCase.objects.filter(pk=cases["own-open"].pk).exists()

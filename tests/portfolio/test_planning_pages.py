"""Planning pages of the program manager: teams, waves and their capacity, agreements, skills.

Each is a list with forms that write through the existing services; bad input is answered next to the field
with nothing saved, and roles without the permission see the list without the forms."""

import re
from datetime import date

from django.urls import reverse

from audit.models import AuditEvent
from portfolio import services
from portfolio.models import Agreement, Capability, Dependency, RoadmapItem, Skill, Team, UseCase, Wave, WaveCapacity


def field_error(page: str, field: str) -> str:
    """The error text tied to one field (the list its input names in aria-describedby), '' when there is none."""
    errors = re.search(rf'<ul class="errorlist"[^>]*id="id_{field}_error"[^>]*>(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", " ", errors.group(1)).strip() if errors else ""


# --- Teams ------------------------------------------------------------------------------------------------


def test_a_program_manager_adds_a_team_and_sees_it_listed(client, pm, units):
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:team_list"),
        {"action": "team", "name": "Fraud analytics", "business_unit": units["RETAIL"].pk},
        follow=True,
    )
    page = response.content.decode()
    assert "Team “Fraud analytics” added" in page
    assert "Fraud analytics" in page.split('data-testid="team-table"')[1].split("</table>")[0]
    assert Team.objects.get(name="Fraud analytics").business_unit == units["RETAIL"]
    assert AuditEvent.objects.filter(action="team.created").count() == 1


def test_a_team_named_like_an_existing_one_is_refused_next_to_the_name(client, pm, team):
    client.force_login(pm)
    page = client.post(reverse("portfolio:team_list"), {"action": "team", "name": "Data platform"}).content.decode()
    assert "already exists" in field_error(page, "name")
    assert Team.objects.count() == 1


# --- Waves and capacity -------------------------------------------------------------------------------------


def test_a_program_manager_adds_a_wave_with_each_teams_capacity(client, pm, team):
    client.force_login(pm)
    other = services.team_create(actor=pm, name="MLOps")
    response = client.post(
        reverse("portfolio:wave_list"),
        {
            "action": "wave",
            "name": "2027-Q2",
            "start": "2027-04-01",
            "end": "2027-06-30",
            f"capacity_{team.pk}": "60",
            f"capacity_{other.pk}": "",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Wave “2027-Q2” added" in page
    table = page.split('data-testid="wave-table"')[1].split("</table>")[0]
    assert "2027-Q2" in table and "60 d" in table
    wave = Wave.objects.get(name="2027-Q2")
    assert dict(wave.capacities.values_list("team__name", "person_days")) == {"Data platform": 60}


def test_a_wave_that_ends_before_it_starts_is_refused_next_to_the_end_and_nothing_is_saved(client, pm, team):
    client.force_login(pm)
    page = client.post(
        reverse("portfolio:wave_list"),
        {
            "action": "wave",
            "name": "Backwards",
            "start": "2027-06-30",
            "end": "2027-04-01",
            f"capacity_{team.pk}": "10",
        },
    ).content.decode()
    assert "must end after it starts" in field_error(page, "end")
    assert not Wave.objects.exists() and not WaveCapacity.objects.exists()


def test_a_negative_capacity_is_refused_next_to_the_team_and_nothing_is_saved(client, pm, team):
    client.force_login(pm)
    page = client.post(
        reverse("portfolio:wave_list"),
        {"action": "wave", "name": "2027-Q3", "start": "2027-07-01", "end": "2027-09-30", f"capacity_{team.pk}": "-5"},
    ).content.decode()
    assert "greater than or equal to 0" in field_error(page, f"capacity_{team.pk}")
    assert not Wave.objects.exists()


def test_setting_a_capacity_replaces_the_teams_person_days_in_the_wave(client, pm, team, wave):
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:wave_list"),
        {"action": "capacity", "wave": wave.pk, "team": team.pk, "person_days": "25"},
        follow=True,
    )
    assert "Data platform now has 25 person-days in 2027-Q1" in response.content.decode()
    assert WaveCapacity.objects.get(wave=wave, team=team).person_days == 25
    assert AuditEvent.objects.filter(action="wave.capacity_set").count() == 1


def test_a_capacity_without_days_is_refused_next_to_the_field(client, pm, team, wave):
    client.force_login(pm)
    page = client.post(
        reverse("portfolio:wave_list"), {"action": "capacity", "wave": wave.pk, "team": team.pk, "person_days": "lots"}
    ).content.decode()
    assert "whole number" in field_error(page, "person_days")
    assert WaveCapacity.objects.get(wave=wave, team=team).person_days == 40


def test_a_data_scientist_sees_the_waves_without_the_forms_and_cannot_post(client, units, make_user, wave):
    client.force_login(make_user("ds", "data_scientist", units=(units["RETAIL"],)))
    page = client.get(reverse("portfolio:wave_list")).content.decode()
    assert "2027-Q1" in page
    assert 'data-testid="wave-form"' not in page and 'data-testid="capacity-form"' not in page
    response = client.post(
        reverse("portfolio:wave_list"), {"action": "wave", "name": "Sneaky", "start": "2027-01-01", "end": "2027-02-01"}
    )
    assert response.status_code == 403
    assert not Wave.objects.filter(name="Sneaky").exists()


# --- Agreements -------------------------------------------------------------------------------------------


def test_a_program_manager_records_an_agreement_with_an_owner_by_full_name(client, pm, units):
    client.force_login(pm)
    form = client.get(reverse("portfolio:agreement_list")).content.decode().split('data-testid="agreement-form"')[1]
    assert "Paula Marsh" in form and "---------" not in form
    response = client.post(
        reverse("portfolio:agreement_list"),
        {
            "action": "agreement",
            "title": "Card transactions feed, daily",
            "kind": "data_access",
            "provider": units["OPS"].pk,
            "consumer": units["RETAIL"].pk,
            "owner": pm.pk,
            "due_date": "2027-02-15",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Agreement “Card transactions feed, daily” recorded" in page
    agreement = Agreement.objects.get()
    assert (agreement.provider, agreement.consumer, agreement.owner) == (units["OPS"], units["RETAIL"], pm)


def test_an_agreement_of_a_unit_with_itself_is_refused_next_to_the_provider(client, pm, units):
    client.force_login(pm)
    page = client.post(
        reverse("portfolio:agreement_list"),
        {
            "action": "agreement",
            "title": "Self-service",
            "kind": "other",
            "provider": units["RETAIL"].pk,
            "consumer": units["RETAIL"].pk,
            "owner": pm.pk,
            "due_date": "2027-02-15",
        },
    ).content.decode()
    assert "two different business units" in field_error(page, "provider")
    assert not Agreement.objects.exists()


def test_an_agreement_status_needs_a_reason_then_is_recorded(client, pm, units):
    agreement = services.agreement_create(
        actor=pm, title="Scoring SLA", provider=units["OPS"], consumer=units["RETAIL"], due_date=date(2027, 1, 10)
    )
    client.force_login(pm)
    page = client.post(
        reverse("portfolio:agreement_list"), {"action": "status", "agreement": agreement.pk, "status": "met"}
    ).content.decode()
    assert "required" in field_error(page, "reason")
    agreement.refresh_from_db()
    assert agreement.status == "open"
    response = client.post(
        reverse("portfolio:agreement_list"),
        {"action": "status", "agreement": agreement.pk, "status": "met", "reason": "Feed live since 4 January."},
        follow=True,
    )
    assert "“Scoring SLA” is now met" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.status == "met"


# --- Skills -----------------------------------------------------------------------------------------------


def test_a_program_manager_adds_a_skill_and_a_duplicate_is_refused_next_to_the_name(client, pm):
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:skills"), {"action": "skill", "name": "Causal inference", "critical": "on"}, follow=True
    )
    assert "Skill “Causal inference” added" in response.content.decode()
    assert Skill.objects.get(name="Causal inference").critical
    page = client.post(reverse("portfolio:skills"), {"action": "skill", "name": "Causal inference"}).content.decode()
    assert "already exists" in field_error(page, "name")
    assert Skill.objects.count() == 1


# --- Findable ---------------------------------------------------------------------------------------------


def test_the_planning_pages_are_in_the_menu_and_linked_from_the_roadmap(client, pm):
    client.force_login(pm)
    page = client.get(reverse("portfolio:roadmap")).content.decode()
    for name in ("portfolio:wave_list", "portfolio:team_list", "portfolio:agreement_list"):
        assert page.count(f'href="{reverse(name)}"') >= 2  # the menu and the roadmap's panels


# --- Dependencies and taking a use case off the roadmap (on the use case's page) ------------------------


def _approved(pm, units, title):
    use_case = services.use_case_create(actor=pm, title=title, business_unit=units["RETAIL"])
    UseCase.objects.filter(pk=use_case.pk).update(status="approved")
    return UseCase.objects.get(pk=use_case.pk)


def test_a_dependency_is_recorded_on_the_use_case_page_and_a_loop_is_refused(client, pm, units):
    first, second = _approved(pm, units, "Feature store"), _approved(pm, units, "Churn model")
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:usecase_dependency", args=[second.pk]),
        {"depends_on": first.pk, "note": "reads its features"},
        follow=True,
    )
    page = response.content.decode()
    assert f"{second.code} now needs {first.code} delivered first." in page
    section = page.split('data-testid="usecase-roadmap"')[1].split("</section>")[0]
    assert first.code in section.split("Needs first")[1].split("Holds up")[0]
    response = client.post(
        reverse("portfolio:usecase_dependency", args=[first.pk]), {"depends_on": second.pk}, follow=True
    )
    assert "would make a cycle" in response.content.decode()
    assert Dependency.objects.count() == 1


def test_taking_a_use_case_off_the_roadmap_needs_a_reason_and_keeps_it_approved(client, pm, units, team, wave):
    use_case = _approved(pm, units, "Claims triage")
    services.roadmap_plan(
        actor=pm,
        use_case=use_case,
        wave=wave,
        planned_start=date(2027, 1, 10),
        planned_end=date(2027, 2, 20),
        efforts={team: 15},
    )
    client.force_login(pm)
    page = client.get(reverse("portfolio:usecase_detail", args=[use_case.pk])).content.decode()
    assert "Planned in <strong>2027-Q1</strong>" in page and "Data platform 15 d" in page
    response = client.post(reverse("portfolio:usecase_unplan", args=[use_case.pk]), {"reason": ""}, follow=True)
    assert "reason" in response.content.decode()
    assert RoadmapItem.objects.filter(use_case=use_case).exists()
    response = client.post(
        reverse("portfolio:usecase_unplan", args=[use_case.pk]), {"reason": "Funding moved to 2028."}, follow=True
    )
    assert f"{use_case.code} was taken off the roadmap (2027-Q1); it stays approved." in response.content.decode()
    assert not RoadmapItem.objects.filter(use_case=use_case).exists()
    assert AuditEvent.objects.get(action="roadmap.unplanned").reason == "Funding moved to 2028."


# --- Capabilities (on the strategy page) ------------------------------------------------------------------


def test_a_capability_is_added_under_another_and_a_twin_is_refused_with_nothing_saved(client, pm):
    client.force_login(pm)
    client.post(reverse("portfolio:objective_list"), {"name": "Credit decisioning"})
    parent = Capability.objects.get(name="Credit decisioning")
    response = client.post(
        reverse("portfolio:objective_list"), {"name": "Affordability scoring", "parent": parent.pk}, follow=True
    )
    page = response.content.decode()
    assert "Capability “Affordability scoring” added." in page
    assert "Affordability scoring" in page.split('data-testid="capabilities"')[1].split("</ul>")[0]
    page = client.post(
        reverse("portfolio:objective_list"), {"name": "Affordability scoring", "parent": parent.pk}
    ).content.decode()
    assert "already exists" in page.split('data-testid="capability-form"')[1]
    assert Capability.objects.filter(name="Affordability scoring").count() == 1

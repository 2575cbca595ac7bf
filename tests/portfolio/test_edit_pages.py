"""Editing what was only created before: teams, waves (dates and capacities) and agreements, through services
audited with before and after and the create's checks; business units and their members; scoring criteria."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from audit.models import AuditEvent
from core.exceptions import ApplicationError, NotAllowed
from portfolio import services
from portfolio.models import Agreement, BusinessUnit, Membership, ScoringCriterion, Team, Wave, WaveCapacity
from portfolio.ranking import criteria_with_weights
from tests.portfolio.test_planning_pages import _approved, field_error


@pytest.fixture
def admin(make_user):
    return make_user("root", "platform_admin", first_name="Ada", last_name="Admin")


# --- Teams ------------------------------------------------------------------------------------------------


def test_a_program_manager_renames_a_team_from_the_team_list(client, pm, team, units):
    client.force_login(pm)
    listing = client.get(reverse("portfolio:team_list")).content.decode()
    assert reverse("portfolio:team_edit", args=[team.pk]) in listing
    services.team_create(actor=pm, name="Fraud analytics")
    url = reverse("portfolio:team_edit", args=[team.pk])
    taken = client.post(url, {"name": "Fraud analytics"})
    assert taken.status_code == 400 and "already exists" in field_error(taken.content.decode(), "name")
    saved = client.post(url, {"name": "Data platform squad", "business_unit": units["RETAIL"].pk}, follow=True)
    assert "Team “Data platform squad” saved" in saved.content.decode()
    team.refresh_from_db()
    assert (team.name, team.business_unit) == ("Data platform squad", units["RETAIL"])
    event = AuditEvent.objects.filter(action="team.updated").latest("seq")
    assert event.changes["name"] == ["Data platform", "Data platform squad"]


def test_the_team_edit_page_does_not_exist_for_a_data_scientist(client, team, make_user):
    ds = make_user("ds", "data_scientist")
    client.force_login(ds)
    assert client.get(reverse("portfolio:team_edit", args=[team.pk])).status_code == 404
    with pytest.raises(NotAllowed):
        services.team_update(actor=ds, team=team, name="Mine")


# --- Waves ------------------------------------------------------------------------------------------------


def test_a_wave_moves_its_dates_and_capacities_with_the_creates_checks(client, pm, wave, team):
    client.force_login(pm)
    assert reverse("portfolio:wave_edit", args=[wave.pk]) in client.get(reverse("portfolio:wave_list")).content.decode()
    url = reverse("portfolio:wave_edit", args=[wave.pk])
    page = client.get(url).content.decode()
    assert 'value="40"' in page and 'value="2027-01-01"' in page
    backwards = client.post(url, {"name": "2027-Q1", "start": "2027-03-01", "end": "2027-02-01"})
    assert backwards.status_code == 400 and "must end after it starts" in field_error(backwards.content.decode(), "end")
    negative = client.post(
        url, {"name": "2027-Q1", "start": "2027-01-01", "end": "2027-03-31", f"capacity_{team.pk}": "-5"}
    )
    assert negative.status_code == 400
    wave.refresh_from_db()
    assert (wave.start, wave.end) == (date(2027, 1, 1), date(2027, 3, 31))
    assert WaveCapacity.objects.get(wave=wave, team=team).person_days == 40
    saved = client.post(
        url,
        {"name": "2027-Q1", "start": "2027-01-04", "end": "2027-04-02", f"capacity_{team.pk}": "55"},
        follow=True,
    )
    assert "Wave “2027-Q1” saved (2027-01-04 to 2027-04-02)" in saved.content.decode()
    assert WaveCapacity.objects.get(wave=wave, team=team).person_days == 55
    event = AuditEvent.objects.filter(action="wave.updated").latest("seq")
    assert event.changes["start"] == ["2027-01-01", "2027-01-04"]
    assert event.changes["capacities"] == [{"Data platform": 40}, {"Data platform": 55}]


def test_a_wave_cannot_shrink_past_what_is_planned_in_it(pm, wave, team, units):
    use_case = _approved(pm, units, "Claims triage")
    services.roadmap_plan(
        actor=pm,
        use_case=use_case,
        wave=wave,
        planned_start=date(2027, 3, 1),
        planned_end=date(2027, 3, 31),
        efforts={team: 10},
    )
    with pytest.raises(ApplicationError, match="1 planned use case"):
        services.wave_update(actor=pm, wave=wave, end=date(2027, 2, 28))
    assert Wave.objects.get(pk=wave.pk).end == date(2027, 3, 31)


# --- Agreements -------------------------------------------------------------------------------------------


@pytest.fixture
def agreement(pm, units):
    return services.agreement_create(
        actor=pm, title="Card feed, daily", provider=units["OPS"], consumer=units["RETAIL"], due_date=date(2027, 2, 1)
    )


def test_an_agreement_is_corrected_on_its_edit_page_under_the_creates_rules(client, pm, agreement, units):
    client.force_login(pm)
    listing = client.get(reverse("portfolio:agreement_list")).content.decode()
    assert reverse("portfolio:agreement_edit", args=[agreement.pk]) in listing
    url = reverse("portfolio:agreement_edit", args=[agreement.pk])
    form = {
        "title": "Card feed, hourly",
        "kind": "data_access",
        "provider": units["RETAIL"].pk,
        "consumer": units["RETAIL"].pk,
        "owner": pm.pk,
        "due_date": "2027-03-01",
    }
    same = client.post(url, form)
    assert same.status_code == 400 and "two different business units" in field_error(same.content.decode(), "provider")
    assert Agreement.objects.get(pk=agreement.pk).title == "Card feed, daily"
    saved = client.post(url, {**form, "provider": units["OPS"].pk}, follow=True)
    assert "Agreement “Card feed, hourly” saved, due 2027-03-01" in saved.content.decode()
    event = AuditEvent.objects.filter(action="agreement.updated").latest("seq")
    assert event.changes["title"] == ["Card feed, daily", "Card feed, hourly"]
    assert set(event.changes) == {"title", "due_date"}


def test_another_units_program_manager_is_told_who_changes_an_agreement(client, agreement, units, make_user):
    other = make_user("pm2", "program_manager", units=(units["CORP"],))
    client.force_login(other)
    response = client.get(reverse("portfolio:agreement_edit", args=[agreement.pk]))
    assert response.status_code == 403 and "ask one of its program managers" in response.content.decode()
    with pytest.raises(NotAllowed):
        services.agreement_update(actor=other, agreement=agreement, title="Taken over")
    assert (
        reverse("portfolio:agreement_edit", args=[agreement.pk])
        not in client.get(reverse("portfolio:agreement_list")).content.decode()
    )


# --- Business units and members -----------------------------------------------------------------------------


def test_an_admin_adds_a_unit_and_its_members_by_name(client, admin, pm, units, make_user):
    make_user("dana", first_name="Dana", last_name="Silva", email="dana@bank.example")
    client.force_login(admin)
    menu = client.get("/").content.decode() + client.get(reverse("portfolio:business_unit_list")).content.decode()
    assert reverse("portfolio:business_unit_list") in menu
    bad = client.post(reverse("portfolio:business_unit_list"), {"action": "unit", "code": "x", "name": "Wealth"})
    assert bad.status_code == 200 and "capital letters" in field_error(bad.content.decode(), "code")
    assert not BusinessUnit.objects.filter(name="Wealth").exists()
    client.post(reverse("portfolio:business_unit_list"), {"action": "unit", "code": "WEALTH", "name": "Wealth"})
    unit = BusinessUnit.objects.get(code="WEALTH")
    url = reverse("portfolio:business_unit_detail", args=[unit.pk])
    found = client.get(url, {"q": "silva"}).content.decode()
    assert "Dana Silva · dana@bank.example" in found and "Paula Marsh" not in found
    dana = User.objects.get(username="dana")
    added = client.post(url, {"step": "add", "user": dana.pk}, follow=True).content.decode()
    assert "Dana Silva is now a member of WEALTH" in added
    membership = Membership.objects.get(user=dana, business_unit=unit)
    removed = client.post(
        url, {"step": "remove", "membership": membership.pk, "reason": "Moved to Retail"}, follow=True
    ).content.decode()
    assert "Dana Silva is no longer a member of WEALTH" in removed
    assert not Membership.objects.filter(user=dana, business_unit=unit).exists()
    assert AuditEvent.objects.filter(action="membership.removed", reason="Moved to Retail").exists()
    renamed = client.post(url, {"step": "details", "name": "Wealth management", "is_active": "on"}, follow=True)
    assert "WEALTH saved" in renamed.content.decode()
    assert AuditEvent.objects.filter(action="business_unit.updated").latest("seq").changes["name"] == [
        "Wealth",
        "Wealth management",
    ]


def test_unit_pages_do_not_exist_for_a_program_manager(client, pm, units):
    client.force_login(pm)
    assert client.get(reverse("portfolio:business_unit_list")).status_code == 404
    assert client.get(reverse("portfolio:business_unit_detail", args=[units["RETAIL"].pk])).status_code == 404
    assert reverse("portfolio:business_unit_list") not in client.get("/").content.decode()


# --- Scoring criteria ---------------------------------------------------------------------------------------


def test_an_admin_reweights_and_deactivates_a_criterion_and_the_ranking_follows(client, admin, pm):
    criteria = list(ScoringCriterion.objects.filter(is_active=True))
    assert criteria, "the seeded criteria"
    client.force_login(admin)
    page = client.get(reverse("portfolio:scoring_criteria")).content.decode()
    assert "weighted mean of its criteria" in page and "Share of the score" in page
    assert reverse("portfolio:scoring_criteria") in client.get(reverse("portfolio:ranking")).content.decode()
    target = criteria[0]
    url = reverse("portfolio:scoring_criterion_edit", args=[target.pk])
    negative = client.post(url, {"name": target.name, "weight": "-1", "higher_is_better": "on", "is_active": "on"})
    assert negative.status_code == 400 and field_error(negative.content.decode(), "weight")
    saved = client.post(url, {"name": target.name, "weight": "4", "higher_is_better": "on"}, follow=True)
    assert "deactivated: it no longer counts" in saved.content.decode()
    target.refresh_from_db()
    assert (target.weight, target.is_active) == (4, False)
    event = AuditEvent.objects.filter(action="scoring_criterion.updated").latest("seq")
    assert event.changes["is_active"] == [True, False]
    assert target.pk not in [c.pk for c, _ in criteria_with_weights()]


def test_a_new_criterion_is_added_with_its_rubric_and_a_duplicate_key_is_refused(client, admin):
    client.force_login(admin)
    url = reverse("portfolio:scoring_criteria")
    form = {
        "action": "criterion",
        "key": "reuse_potential",
        "name": "Reuse potential",
        "weight": "2",
        "rubric_1": "Years",
    }
    client.post(url, {**form, "higher_is_better": "on", "is_active": "on"})
    created = ScoringCriterion.objects.get(key="reuse_potential")
    assert created.rubric == {"1": "Years"} and created.weight == 2
    again = client.post(url, {**form, "name": "Other name"})
    assert "already exists" in field_error(again.content.decode(), "key")


def test_a_program_manager_reads_the_criteria_but_edits_none(client, pm):
    client.force_login(pm)
    page = client.get(reverse("portfolio:scoring_criteria")).content.decode()
    assert 'data-testid="criterion-form"' not in page and "set by a platform admin" in page
    criterion = ScoringCriterion.objects.first()
    assert client.get(reverse("portfolio:scoring_criterion_edit", args=[criterion.pk])).status_code == 404
    with pytest.raises(NotAllowed):
        services.scoring_criterion_update(actor=pm, criterion=criterion, weight=9)


def test_team_rows_show_a_program_manager_an_edit_link(client, pm, team):
    client.force_login(pm)
    assert Team.objects.count() == 1
    assert (
        f'href="{reverse("portfolio:team_edit", args=[team.pk])}"'
        in client.get(reverse("portfolio:team_list")).content.decode()
    )

"""Portfolio pages: what each role may open, and bad input answered on the page with nothing saved."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from portfolio import services
from portfolio.models import KPI, Objective, Score, ScoringCriterion, UseCase


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],))


@pytest.fixture
def case(pm, units):
    return services.use_case_create(actor=pm, title="Claims triage", business_unit=units["RETAIL"])


def test_the_detail_page_shows_workflow_and_scoring_to_a_program_manager(client, pm, case):
    client.force_login(pm)
    page = client.get(reverse("portfolio:usecase_detail", args=[case.pk])).content.decode()
    assert 'data-testid="transition-form"' in page and 'data-testid="score-form"' in page
    assert "Assessing" in page and "Live" not in page.split('data-testid="transition-form"')[1].split("</form>")[0]


def test_a_data_scientist_sees_the_page_without_the_forms(client, case, units, make_user):
    client.force_login(make_user("ds", "data_scientist", units=(units["RETAIL"],)))
    page = client.get(reverse("portfolio:usecase_detail", args=[case.pk])).content.decode()
    assert "Claims triage" in page
    assert 'data-testid="transition-form"' not in page and 'data-testid="score-form"' not in page


def test_moving_without_a_reason_is_refused_on_the_page(client, pm, case):
    client.force_login(pm)
    response = client.post(reverse("portfolio:usecase_transition", args=[case.pk]), {"to": "assessing"}, follow=True)
    assert "reason" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "proposed"


def test_moving_with_a_reason_changes_the_status(client, pm, case):
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:usecase_transition", args=[case.pk]),
        {"to": "assessing", "reason": "business case received"},
        follow=True,
    )
    assert "is now assessing" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "assessing"


def test_a_score_of_9_is_refused_and_nothing_saved(client, pm, case):
    client.force_login(pm)
    roi = ScoringCriterion.objects.get(key="roi")
    response = client.post(
        reverse("portfolio:usecase_score", args=[case.pk]),
        {"criterion": roi.pk, "score": "9", "rationale": "huge"},
        follow=True,
    )
    assert "score" in response.content.decode().lower()
    assert not Score.objects.exists()


def test_another_units_program_manager_cannot_act_on_the_use_case(client, case, units, make_user):
    client.force_login(make_user("other", "program_manager", units=(units["CORP"],)))
    response = client.post(
        reverse("portfolio:usecase_transition", args=[case.pk]), {"to": "assessing", "reason": "mine"}, follow=True
    )
    assert "may not change" in response.content.decode()
    # The edit form is not even shown to someone who could never save it.
    assert client.get(reverse("portfolio:usecase_update", args=[case.pk])).status_code == 403
    client.post(
        reverse("portfolio:usecase_update", args=[case.pk]),
        {
            "title": "Hijacked",
            "business_unit": units["RETAIL"].pk,
            "estimated_value": 0,
            "estimated_cost": 0,
            "sourcing": "undecided",
        },
    )
    case.refresh_from_db()
    assert case.title == "Claims triage" and case.status == "proposed"


def test_editing_records_only_what_changed(client, pm, case, units):
    client.force_login(pm)
    response = client.post(
        reverse("portfolio:usecase_update", args=[case.pk]),
        {
            "title": "Claims triage v2",
            "business_unit": units["RETAIL"].pk,
            "estimated_value": "1000",
            "estimated_cost": "0",
            "sourcing": "buy",
            "ea_components": "APP-1, APP-2",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.title, case.sourcing, case.ea_components) == ("Claims triage v2", "buy", ["APP-1", "APP-2"])
    changes = AuditEvent.objects.filter(action="use_case.updated").latest("seq").changes
    assert set(changes) == {"title", "estimated_value", "sourcing", "ea_components"}


def test_the_create_page_is_404_for_roles_that_cannot_propose(client, units, make_user):
    client.force_login(make_user("ds", "data_scientist", units=(units["RETAIL"],)))
    assert client.get(reverse("portfolio:usecase_create")).status_code == 404
    assert client.get(reverse("portfolio:objective_create")).status_code == 404


def test_ranking_page_reranks_with_weights_and_explains_bad_ones(client, pm, case):
    client.force_login(pm)
    page = client.get(reverse("portfolio:ranking") + "?weight_roi=5").content.decode()
    assert 'data-testid="ranking-table"' in page and "Claims triage" in page and "what-if" in page
    partial = client.get(reverse("portfolio:ranking") + "?weight_roi=-3", HTTP_HX_REQUEST="true").content.decode()
    assert "between 0 and 1000" in partial and "<html" not in partial


def test_a_kpi_with_the_target_before_the_baseline_is_refused(client, pm, units):
    client.force_login(pm)
    objective = services.objective_create(actor=pm, title="Faster offers", business_unit=units["RETAIL"])
    response = client.post(
        reverse("portfolio:kpi_create", args=[objective.pk]),
        {
            "name": "Days to offer",
            "unit": "days",
            "direction": "lower",
            "baseline": "9",
            "baseline_date": "2026-06-01",
            "target": "4",
            "target_date": "2026-01-01",
            "source": "manual",
        },
    )
    assert "target date must come after the baseline date" in response.content.decode()
    assert not KPI.objects.exists()


def test_recording_a_measurement_before_the_baseline_names_the_date(client, pm, units):
    client.force_login(pm)
    objective = Objective.objects.create(title="Faster offers", business_unit=units["RETAIL"])
    kpi = KPI.objects.create(
        objective=objective,
        name="Days",
        unit="days",
        baseline=9,
        target=4,
        baseline_date="2026-01-01",
        target_date="2027-01-01",
    )
    response = client.post(reverse("portfolio:kpi_detail", args=[kpi.pk]), {"measured_on": "2025-12-01", "value": "8"})
    assert "measured_on" in response.content.decode() and "before the KPI" in response.content.decode()
    assert not kpi.measurements.exists()
    client.post(reverse("portfolio:kpi_detail", args=[kpi.pk]), {"measured_on": "2026-03-01", "value": "8"})
    assert list(kpi.measurements.values_list("value", flat=True)) == [8]


def test_objectives_page_lists_kpis_with_their_latest_value(client, pm, units, django_assert_max_num_queries):
    objective = Objective.objects.create(title="Faster offers", business_unit=units["RETAIL"])
    kpi = KPI.objects.create(
        objective=objective,
        name="Days to offer",
        unit="days",
        baseline=9,
        target=4,
        baseline_date="2026-01-01",
        target_date="2027-01-01",
    )
    services.kpi_measurement_record(actor=pm, kpi=kpi, measured_on="2026-05-01", value=7)
    client.force_login(pm)
    client.get(reverse("portfolio:objective_list"))  # fills the content-type cache: count the steady state
    with django_assert_max_num_queries(13):
        page = client.get(reverse("portfolio:objective_list")).content.decode()
    assert "Days to offer" in page and "7 days" in page
    assert UseCase.objects.count() == 0

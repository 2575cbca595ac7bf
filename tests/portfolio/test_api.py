"""The portfolio REST API as its users meet it: resources, workflow, scoring, ranking, refusals, query counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from portfolio import services
from portfolio.models import (
    KPI,
    Capability,
    KPIMeasurement,
    Objective,
    Score,
    ScoringCriterion,
    UseCase,
    UseCaseObjective,
    UseCaseTransition,
)

API = "/api/v1"


# --- Fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture
def pm(units, make_user):
    return make_user("pm", "program_manager", units=(units["RETAIL"],))


@pytest.fixture
def corp_pm(units, make_user):
    return make_user("corp_pm", "program_manager", units=(units["CORP"],))


@pytest.fixture
def ds(units, make_user):
    return make_user("ds", "data_scientist", units=(units["RETAIL"],))


@pytest.fixture
def executive(make_user):
    return make_user("exec", "executive")


@pytest.fixture
def admin(make_user):
    return make_user("admin", "platform_admin")


@pytest.fixture
def criteria(db):
    return {c.key: c for c in ScoringCriterion.objects.all()}


@pytest.fixture
def case(pm, units):
    return services.use_case_create(actor=pm, title="Claims triage", business_unit=units["RETAIL"])


def names(response, field: str) -> bool:
    """Whether a refusal names `field`: as a field error (DRF) or in a service's `errors`."""
    body = response.json()
    return field in body or field in (body.get("errors") or {})


def events(action: str, target=None):
    qs = AuditEvent.objects.filter(action=action)
    if target is not None:
        qs = qs.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return qs


def kpi_payload(objective_id, **overrides):
    return {
        "objective": objective_id,
        "name": "Days to offer",
        "unit": "days",
        "direction": "lower",
        "baseline": "9",
        "baseline_date": "2025-01-01",
        "target": "3",
        "target_date": "2025-12-31",
        **overrides,
    }


def make_kpi(objective, **fields):
    defaults = {
        "name": "Days to offer",
        "unit": "days",
        "direction": "lower",
        "baseline": Decimal(9),
        "baseline_date": date(2025, 1, 1),
        "target": Decimal(3),
        "target_date": date(2025, 12, 31),
    }
    return KPI.objects.create(objective=objective, **{**defaults, **fields})


def score(actor, use_case, criteria, **scores):
    for key, value in scores.items():
        services.score_record(actor=actor, use_case=use_case, criterion=criteria[key], score=value, rationale="r")


def ranking_rows(client, query: str = "") -> list[dict]:
    response = client.get(f"{API}/ranking/?page_size=500{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- 1. Resources ----------------------------------------------------------------------------------


def test_a_pm_creates_objectives_of_their_unit_and_enterprise_wide(pm, units, api):
    client = api(pm)
    own = client.post(
        f"{API}/objectives/", {"title": "Faster retail lending", "business_unit": units["RETAIL"].pk}, format="json"
    )
    wide = client.post(f"{API}/objectives/", {"title": "Trusted AI", "business_unit": None}, format="json")
    assert (own.status_code, wide.status_code) == (201, 201), (own.content, wide.content)
    assert own.json()["business_unit"] == units["RETAIL"].pk and wide.json()["business_unit"] is None
    assert own.json()["owner"] == pm.pk  # the creator owns it unless told otherwise
    for body in (own.json(), wide.json()):
        event = events("objective.created", Objective.objects.get(pk=body["id"])).get()
        assert event.actor == pm

    listed = client.get(f"{API}/objectives/?enterprise_wide=true").json()["results"]
    assert [o["title"] for o in listed] == ["Trusted AI"]
    listed = client.get(f"{API}/objectives/?enterprise_wide=false").json()["results"]
    assert [o["title"] for o in listed] == ["Faster retail lending"]


def test_a_pm_cannot_create_an_objective_in_another_unit(pm, units, api):
    response = api(pm).post(f"{API}/objectives/", {"title": "Corp", "business_unit": units["CORP"].pk}, format="json")
    assert response.status_code == 403
    assert not Objective.objects.exists() and not events("objective.created").exists()


def test_kpis_are_created_under_an_objective_and_filtered_by_it(pm, units, api):
    client = api(pm)
    first = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    second = Objective.objects.create(title="Enterprise", business_unit=None)
    created = client.post(f"{API}/kpis/", kpi_payload(first.pk), format="json")
    assert created.status_code == 201, created.content
    other = client.post(f"{API}/kpis/", kpi_payload(second.pk, name="NPS", unit="points"), format="json")
    assert other.status_code == 201, other.content
    kpi = KPI.objects.get(pk=created.json()["id"])
    assert kpi.objective == first and kpi.target == Decimal(3)
    assert events("kpi.created", kpi).get().actor == pm

    listed = client.get(f"{API}/kpis/?objective={first.pk}").json()["results"]
    assert [k["id"] for k in listed] == [kpi.pk]
    objective = client.get(f"{API}/objectives/{first.pk}/").json()
    assert objective["kpis"] == [kpi.pk]


def test_a_pm_cannot_add_a_kpi_to_another_units_objective(pm, units, api):
    corp = Objective.objects.create(title="Corp", business_unit=units["CORP"])
    response = api(pm).post(f"{API}/kpis/", kpi_payload(corp.pk), format="json")
    assert response.status_code == 403
    assert not KPI.objects.exists()


def test_measurements_come_back_in_date_order_and_a_second_value_corrects_the_first(pm, units, api):
    kpi = make_kpi(Objective.objects.create(title="Lending", business_unit=units["RETAIL"]))
    url = f"{API}/kpis/{kpi.pk}/measurements/"
    client = api(pm)
    march = client.post(url, {"measured_on": "2025-03-01", "value": "8"}, format="json")
    february = client.post(url, {"measured_on": "2025-02-01", "value": "8.5", "note": "pilot"}, format="json")
    assert (march.status_code, february.status_code) == (201, 201), (march.content, february.content)
    corrected = client.post(url, {"measured_on": "2025-03-01", "value": "7.5", "note": "recount"}, format="json")
    assert corrected.status_code == 201, corrected.content
    assert corrected.json()["id"] == march.json()["id"]  # corrected, not duplicated

    rows = client.get(url).json()
    assert [(r["measured_on"], Decimal(r["value"])) for r in rows] == [
        ("2025-02-01", Decimal("8.5")),
        ("2025-03-01", Decimal("7.5")),
    ]
    assert rows[1]["note"] == "recount" and rows[1]["recorded_by"] == "pm"
    assert KPIMeasurement.objects.filter(kpi=kpi).count() == 2

    detail = client.get(f"{API}/kpis/{kpi.pk}/").json()
    assert (detail["latest_on"], Decimal(detail["latest_value"])) == ("2025-03-01", Decimal("7.5"))
    measured = events("kpi.measured", kpi).order_by("seq")
    assert measured.count() == 3
    before, after = measured.last().changes["value"]
    assert (Decimal(before), Decimal(after)) == (Decimal(8), Decimal("7.5"))  # the correction keeps the old value


def test_capabilities_are_created_as_a_tree_and_filtered_by_parent(pm, api):
    client = api(pm)
    root = client.post(f"{API}/capabilities/", {"name": "Lending"}, format="json")
    assert root.status_code == 201, root.content
    child = client.post(f"{API}/capabilities/", {"name": "Underwriting", "parent": root.json()["id"]}, format="json")
    assert child.status_code == 201, child.content
    assert events("capability.created").count() == 2
    listed = client.get(f"{API}/capabilities/?parent={root.json()['id']}").json()["results"]
    assert [c["name"] for c in listed] == ["Underwriting"]


def test_a_data_scientist_cannot_create_a_capability(ds, api):
    response = api(ds).post(f"{API}/capabilities/", {"name": "Lending"}, format="json")
    assert response.status_code == 403
    assert not Capability.objects.exists()


def test_a_pm_proposes_a_use_case_and_links_it_to_an_objective_kpi(pm, units, make_user, api):
    sponsor = make_user("sponsor", units=(units["RETAIL"],))
    capability = Capability.objects.create(name="Underwriting")
    client = api(pm)
    created = client.post(
        f"{API}/use-cases/",
        {
            "title": "Credit memo drafting",
            "business_unit": units["RETAIL"].pk,
            "capabilities": [capability.pk],
            "ea_components": ["LOS-02", "CRM-01", "LOS-02"],
            "sponsor": sponsor.pk,
            "estimated_value": "120000",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["code"] == "UC-001" and body["status"] == "proposed"
    assert body["capabilities"] == [capability.pk] and body["sponsor"] == sponsor.pk and body["owner"] == pm.pk
    assert body["ea_components"] == ["CRM-01", "LOS-02"]
    use_case = UseCase.objects.get(pk=body["id"])
    assert events("use_case.created", use_case).get().actor == pm

    objective = Objective.objects.create(title="Faster lending", business_unit=units["RETAIL"])
    kpi = make_kpi(objective)
    linked = client.post(
        f"{API}/use-cases/{use_case.pk}/objectives/",
        {"objective": objective.pk, "kpi": kpi.pk, "expected_contribution": "-2.5", "note": "memo in minutes"},
        format="json",
    )
    assert linked.status_code == 201, linked.content
    assert events("use_case.objective_linked", use_case).count() == 1
    shown = client.get(f"{API}/use-cases/{use_case.pk}/").json()["objectives"]
    assert len(shown) == 1
    assert (shown[0]["objective"], shown[0]["kpi"], Decimal(shown[0]["expected_contribution"])) == (
        objective.pk,
        kpi.pk,
        Decimal("-2.5"),
    )


def test_linking_a_kpi_of_another_objective_is_refused(pm, units, case, api):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    foreign_kpi = make_kpi(Objective.objects.create(title="Other", business_unit=None))
    response = api(pm).post(
        f"{API}/use-cases/{case.pk}/objectives/",
        {"objective": objective.pk, "kpi": foreign_kpi.pk, "expected_contribution": "1"},
        format="json",
    )
    assert response.status_code == 400 and names(response, "kpi")
    assert not UseCaseObjective.objects.exists()


def test_use_cases_filter_by_status_objective_and_capability(pm, units, api):
    def create(title):
        return services.use_case_create(actor=pm, title=title, business_unit=units["RETAIL"])

    a, b, c = create("A"), create("B"), create("C")
    capability = Capability.objects.create(name="Claims")
    a.capabilities.add(capability)
    c.capabilities.add(capability)
    objective = Objective.objects.create(title="Lending", business_unit=None)
    kpi = make_kpi(objective)
    services.use_case_link_objective(actor=pm, use_case=b, objective=objective)
    services.use_case_link_objective(actor=pm, use_case=b, objective=objective, kpi=kpi, expected_contribution=1)
    services.use_case_transition(actor=pm, use_case=c, to_status="assessing", reason="triage")

    def titles(query):
        response = api(pm).get(f"{API}/use-cases/?{query}")
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["results"]]

    assert titles("status=assessing") == ["C"]
    assert titles("status=proposed") == ["A", "B"]
    assert titles("status=proposed&status=assessing") == ["A", "B", "C"]
    assert titles(f"objective={objective.pk}") == ["B"]  # two links, listed once
    assert titles(f"capability={capability.pk}") == ["A", "C"]
    assert titles(f"capability={capability.pk}&status=proposed") == ["A"]


def test_linking_the_same_objective_and_kpi_again_updates_the_link(pm, units, case, api):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    kpi = make_kpi(objective)
    url = f"{API}/use-cases/{case.pk}/objectives/"
    for contribution in ("-1", "-3"):
        response = api(pm).post(
            url, {"objective": objective.pk, "kpi": kpi.pk, "expected_contribution": contribution}, format="json"
        )
        assert response.status_code == 201, response.content
    shown = api(pm).get(f"{API}/use-cases/{case.pk}/").json()["objectives"]
    assert [Decimal(link["expected_contribution"]) for link in shown] == [Decimal(-3)]
    assert events("use_case.objective_linked", case).count() == 2


def test_an_expected_contribution_needs_a_kpi(pm, units, case, api):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    response = api(pm).post(
        f"{API}/use-cases/{case.pk}/objectives/",
        {"objective": objective.pk, "expected_contribution": "-2"},
        format="json",
    )
    assert response.status_code == 400 and names(response, "kpi")
    assert not UseCaseObjective.objects.exists()


def test_a_data_scientist_reads_but_cannot_write(ds, units, case, criteria, api):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    kpi = make_kpi(objective)
    client = api(ds)
    refused = [
        client.post(f"{API}/objectives/", {"title": "Mine", "business_unit": units["RETAIL"].pk}, format="json"),
        client.post(f"{API}/kpis/", kpi_payload(objective.pk), format="json"),
        client.post(f"{API}/kpis/{kpi.pk}/measurements/", {"measured_on": "2025-02-01", "value": "1"}, format="json"),
        client.post(f"{API}/use-cases/", {"title": "Mine", "business_unit": units["RETAIL"].pk}, format="json"),
        client.patch(f"{API}/use-cases/{case.pk}/", {"title": "Renamed"}, format="json"),
        client.post(f"{API}/use-cases/{case.pk}/transition/", {"to": "assessing", "reason": "go"}, format="json"),
        client.post(f"{API}/use-cases/{case.pk}/objectives/", {"objective": objective.pk}, format="json"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    case.refresh_from_db()
    assert (case.title, case.status) == ("Claims triage", "proposed")
    assert not KPIMeasurement.objects.exists() and not UseCaseObjective.objects.exists()
    assert Objective.objects.count() == 1 and KPI.objects.count() == 1 and UseCase.objects.count() == 1
    for path in ("objectives", "kpis", "use-cases", "capabilities", "scoring-criteria", "ranking"):
        assert client.get(f"{API}/{path}/").status_code == 200, path


def test_a_pm_of_another_unit_cannot_measure_or_link(corp_pm, units, case, api):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    kpi = make_kpi(objective)
    client = api(corp_pm)
    measured = client.post(f"{API}/kpis/{kpi.pk}/measurements/", {"measured_on": "2025-02-01", "value": "1"})
    linked = client.post(f"{API}/use-cases/{case.pk}/objectives/", {"objective": objective.pk}, format="json")
    assert (measured.status_code, linked.status_code) == (403, 403)
    assert not KPIMeasurement.objects.exists() and not UseCaseObjective.objects.exists()


def test_confidential_use_cases_of_another_unit_are_invisible_everywhere(corp_pm, units, ds, executive, api):
    secret = services.use_case_create(actor=corp_pm, title="Secret", business_unit=units["CORP"], confidential=True)
    services.use_case_create(actor=corp_pm, title="Open", business_unit=units["CORP"])
    client = api(ds)
    assert [r["title"] for r in client.get(f"{API}/use-cases/").json()["results"]] == ["Open"]
    assert client.get(f"{API}/use-cases/?confidential=true").json()["results"] == []
    assert client.get(f"{API}/use-cases/?q=Secret").json()["results"] == []
    assert client.get(f"{API}/use-cases/{secret.pk}/").status_code == 404
    assert client.get(f"{API}/use-cases/{secret.pk}/scores/").status_code == 404
    assert [r["title"] for r in api(executive).get(f"{API}/use-cases/").json()["results"]] == ["Secret", "Open"]


def test_a_pm_edits_their_use_case_but_not_another_units(pm, corp_pm, units, case, api):
    edited = api(pm).patch(f"{API}/use-cases/{case.pk}/", {"title": "Claims triage v2"}, format="json")
    assert edited.status_code == 200, edited.content
    assert events("use_case.updated", case).get().changes == {"title": ["Claims triage", "Claims triage v2"]}
    moved = api(pm).patch(f"{API}/use-cases/{case.pk}/", {"business_unit": units["CORP"].pk}, format="json")
    assert moved.status_code == 403
    refused = api(corp_pm).patch(f"{API}/use-cases/{case.pk}/", {"title": "Hijacked"}, format="json")
    assert refused.status_code == 403
    case.refresh_from_db()
    assert (case.title, case.business_unit) == ("Claims triage v2", units["RETAIL"])
    assert events("use_case.updated").count() == 1


def test_status_changes_only_through_the_workflow(pm, units, case, api):
    created = api(pm).post(
        f"{API}/use-cases/", {"title": "Fast", "business_unit": units["RETAIL"].pk, "status": "live"}, format="json"
    )
    assert created.status_code == 201 and created.json()["status"] == "proposed"
    api(pm).patch(f"{API}/use-cases/{case.pk}/", {"status": "approved", "risk_tier": "low"}, format="json")
    case.refresh_from_db()
    assert (case.status, case.risk_tier) == ("proposed", "unassessed")


def test_use_cases_are_never_deleted(pm, case, api):
    assert api(pm).delete(f"{API}/use-cases/{case.pk}/").status_code == 405
    assert UseCase.objects.filter(pk=case.pk).exists()


def test_anonymous_callers_are_refused(case, api):
    for path in ("use-cases", "objectives", "kpis", "capabilities", "scoring-criteria", "ranking"):
        assert api().get(f"{API}/{path}/").status_code == 401, path


def test_kpi_and_objective_edits_are_checked_and_audited(pm, corp_pm, units, api):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    kpi = make_kpi(objective)
    bad = api(pm).patch(f"{API}/kpis/{kpi.pk}/", {"target_date": "2024-12-31"}, format="json")
    assert bad.status_code == 400 and names(bad, "target_date")
    good = api(pm).patch(f"{API}/kpis/{kpi.pk}/", {"target": "2"}, format="json")
    assert good.status_code == 200, good.content
    kpi.refresh_from_db()
    assert (kpi.target, kpi.target_date) == (Decimal(2), date(2025, 12, 31))
    assert events("kpi.updated", kpi).count() == 1
    assert api(corp_pm).patch(f"{API}/kpis/{kpi.pk}/", {"target": "1"}, format="json").status_code == 403
    assert api(corp_pm).patch(f"{API}/objectives/{objective.pk}/", {"title": "X"}, format="json").status_code == 403
    moved = api(pm).patch(f"{API}/objectives/{objective.pk}/", {"business_unit": units["CORP"].pk}, format="json")
    assert moved.status_code == 403
    objective.refresh_from_db()
    assert (objective.title, objective.business_unit) == ("Lending", units["RETAIL"])
    # An enterprise-wide objective is every program manager's to keep up to date.
    wide = Objective.objects.create(title="Trusted AI", business_unit=None)
    renamed = api(corp_pm).patch(f"{API}/objectives/{wide.pk}/", {"title": "Trustworthy AI"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert events("objective.updated", wide).get().changes == {"title": ["Trusted AI", "Trustworthy AI"]}


# --- 2. Workflow -----------------------------------------------------------------------------------


def test_moving_a_use_case_with_a_reason_changes_its_status(pm, case, api):
    response = api(pm).post(
        f"{API}/use-cases/{case.pk}/transition/", {"to": "assessing", "reason": "steering committee"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "assessing"
    case.refresh_from_db()
    assert case.status == "assessing"
    event = events("use_case.transitioned", case).get()
    assert event.changes == {"status": ["proposed", "assessing"]} and event.reason == "steering committee"


def test_a_forbidden_move_is_a_409_naming_the_allowed_statuses(pm, case, api):
    response = api(pm).post(f"{API}/use-cases/{case.pk}/transition/", {"to": "live", "reason": "rush"}, format="json")
    assert response.status_code == 409
    detail = response.json()["detail"]
    for allowed in ("Assessing", "Paused", "Rejected"):
        assert allowed in detail
    case.refresh_from_db()
    assert case.status == "proposed"
    assert not UseCaseTransition.objects.exists() and not events("use_case.transitioned").exists()


@pytest.mark.parametrize("payload", [{"to": "assessing"}, {"to": "assessing", "reason": "   "}])
def test_a_move_without_a_reason_is_a_400_naming_reason(pm, case, api, payload):
    response = api(pm).post(f"{API}/use-cases/{case.pk}/transition/", payload, format="json")
    assert response.status_code == 400 and names(response, "reason")
    case.refresh_from_db()
    assert case.status == "proposed" and not UseCaseTransition.objects.exists()


def test_an_unknown_status_is_a_400(pm, case, api):
    response = api(pm).post(
        f"{API}/use-cases/{case.pk}/transition/", {"to": "shipped", "reason": "done"}, format="json"
    )
    assert response.status_code == 400 and names(response, "to")
    case.refresh_from_db()
    assert case.status == "proposed"


def test_a_pm_of_another_unit_gets_403_on_a_visible_and_404_on_a_confidential_use_case(pm, corp_pm, units, api):
    open_case = services.use_case_create(actor=corp_pm, title="Open", business_unit=units["CORP"])
    secret = services.use_case_create(actor=corp_pm, title="Secret", business_unit=units["CORP"], confidential=True)
    move = {"to": "assessing", "reason": "mine now"}
    assert api(pm).post(f"{API}/use-cases/{open_case.pk}/transition/", move, format="json").status_code == 403
    assert api(pm).post(f"{API}/use-cases/{secret.pk}/transition/", move, format="json").status_code == 404
    assert set(UseCase.objects.values_list("status", flat=True)) == {"proposed"}
    assert not events("use_case.transitioned").exists()
    # The owner unit's PM can (the refusals above are about the unit, not the move).
    assert api(corp_pm).post(f"{API}/use-cases/{secret.pk}/transition/", move, format="json").status_code == 200


# --- 3. Scoring ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 6, "3.5", True, None, "four"])
def test_a_score_outside_1_to_5_is_a_400_naming_score(pm, case, criteria, api, bad):
    response = api(pm).post(
        f"{API}/use-cases/{case.pk}/scores/",
        {"criterion": criteria["roi"].pk, "score": bad, "rationale": "gut feeling"},
        format="json",
    )
    assert response.status_code == 400 and names(response, "score"), response.content
    assert not Score.objects.exists() and not events("use_case.scored").exists()


@pytest.mark.parametrize("rationale", ["", "   "])
def test_a_score_without_rationale_is_a_400(pm, case, criteria, api, rationale):
    response = api(pm).post(
        f"{API}/use-cases/{case.pk}/scores/",
        {"criterion": criteria["roi"].pk, "score": 3, "rationale": rationale},
        format="json",
    )
    assert response.status_code == 400 and names(response, "rationale")
    assert not Score.objects.exists()


def test_an_inactive_criterion_cannot_be_scored(pm, case, criteria, api):
    ScoringCriterion.objects.filter(key="roi").update(is_active=False)
    response = api(pm).post(
        f"{API}/use-cases/{case.pk}/scores/",
        {"criterion": criteria["roi"].pk, "score": 3, "rationale": "still"},
        format="json",
    )
    assert response.status_code == 400 and names(response, "criterion")
    assert not Score.objects.exists()


def test_a_second_score_by_the_same_scorer_supersedes_the_first(pm, case, criteria, units, make_user, api):
    url = f"{API}/use-cases/{case.pk}/scores/"
    client = api(pm)
    first = client.post(url, {"criterion": criteria["roi"].pk, "score": 2, "rationale": "first look"}, format="json")
    second = client.post(
        url, {"criterion": criteria["roi"].pk, "score": 4, "rationale": "business case in"}, format="json"
    )
    assert (first.status_code, second.status_code) == (201, 201), (first.content, second.content)
    # Another scorer's score stands beside it, untouched.
    colleague = make_user("pm2", "program_manager", units=(units["RETAIL"],))
    other = api(colleague).post(url, {"criterion": criteria["roi"].pk, "score": 5, "rationale": "x"}, format="json")
    assert other.status_code == 201

    rows = client.get(url).json()
    assert len(rows) == 3
    mine = [(r["score"], r["is_current"], r["rationale"]) for r in rows if r["scorer"] == "pm"]
    assert sorted(mine) == [(2, False, "first look"), (4, True, "business case in")]
    assert [r["is_current"] for r in rows if r["scorer"] == "pm2"] == [True]
    assert events("use_case.scored", case).order_by("seq").values_list("changes", flat=True)[1] == {"score:roi": [2, 4]}


def test_a_data_scientist_cannot_score(ds, case, criteria, api):
    response = api(ds).post(
        f"{API}/use-cases/{case.pk}/scores/",
        {"criterion": criteria["roi"].pk, "score": 4, "rationale": "looks good"},
        format="json",
    )
    assert response.status_code == 403
    assert not Score.objects.exists()


def test_a_pm_of_another_unit_cannot_score(corp_pm, case, criteria, api):
    response = api(corp_pm).post(
        f"{API}/use-cases/{case.pk}/scores/",
        {"criterion": criteria["roi"].pk, "score": 4, "rationale": "looks good"},
        format="json",
    )
    assert response.status_code == 403
    assert not Score.objects.exists()


# --- 4. Ranking ------------------------------------------------------------------------------------


@pytest.fixture
def four_cases(pm, units, criteria):
    """Saved weights: roi 3, strategic_alignment 3, data_readiness 2, integration_complexity 2 (lower better),
    risk 2 (lower better), time_to_value 1 (lower better): 13 in all. Unscored criteria count as 0."""
    a, b, c, d = (services.use_case_create(actor=pm, title=t, business_unit=units["RETAIL"]) for t in "ABCD")
    # A: 3*1 + 3*0 + 2*.5 = 4 -> 30.77      with roi=10 (total 20): 10 + 0 + 1 = 11 -> 55
    score(pm, a, criteria, roi=5, strategic_alignment=1, data_readiness=3)
    # B: 3*.25 + 3*.75 + 2*1 = 5 -> 38.46    with roi=10: 2.5 + 2.25 + 2 = 6.75 -> 33.75
    score(pm, b, criteria, roi=2, strategic_alignment=4, data_readiness=5)
    # C: 3*.5 + 3*.5 + 2*0 + 2*.75 = 4.5 -> 34.62   with roi=10: 5 + 1.5 + 0 + 1.5 = 8 -> 40
    score(pm, c, criteria, roi=3, strategic_alignment=3, data_readiness=1, integration_complexity=2)
    # D: 3*.75 + 2*1 = 4.25 -> 32.69        with roi=10: 4.25 -> 21.25
    score(pm, d, criteria, strategic_alignment=4, data_readiness=5)
    return a, b, c, d


def test_the_ranking_follows_the_weighted_normalised_score(four_cases, ds, api):
    rows = ranking_rows(api(ds))
    assert [(r["title"], r["rank"]) for r in rows] == [("B", 1), ("C", 2), ("D", 3), ("A", 4)]
    assert [r["score"] for r in rows] == pytest.approx([38.46, 34.62, 32.69, 30.77], abs=0.006)
    assert [r["missing_criteria"] for r in rows] == [3, 2, 4, 3]
    a, b, c, d = four_cases
    assert [(r["use_case"], r["code"]) for r in rows] == [(x.pk, x.code) for x in (b, c, d, a)]
    # Without overrides nothing moved.
    assert all(r["base_rank"] == r["rank"] and r["moved"] == 0 and r["sensitive"] is False for r in rows)


def test_a_weight_override_reorders_and_says_who_moved(four_cases, ds, api):
    rows = {r["title"]: r for r in ranking_rows(api(ds), "&weight_roi=10")}
    assert sorted(rows, key=lambda t: rows[t]["rank"]) == ["A", "C", "B", "D"]
    assert rows["A"]["score"] == pytest.approx(55.0, abs=0.006)
    assert rows["C"]["score"] == pytest.approx(40.0, abs=0.006)
    assert rows["B"]["score"] == pytest.approx(33.75, abs=0.006)
    assert rows["D"]["score"] == pytest.approx(21.25, abs=0.006)
    got = {t: (r["rank"], r["base_rank"], r["moved"], r["sensitive"]) for t, r in rows.items()}
    assert got == {
        "A": (1, 4, 3, True),
        "C": (2, 2, 0, False),
        "B": (3, 1, -2, False),
        "D": (4, 3, -1, False),
    }


def test_a_saved_weight_change_changes_the_ranking(four_cases, ds, api):
    ScoringCriterion.objects.filter(key="roi").update(weight=10)
    assert [r["title"] for r in ranking_rows(api(ds))] == ["A", "C", "B", "D"]


def test_equal_scores_share_a_rank_in_code_order(pm, units, criteria, ds, api):
    low, high1, high2 = (services.use_case_create(actor=pm, title=t, business_unit=units["RETAIL"]) for t in "LXY")
    score(pm, low, criteria, roi=2)
    score(pm, high2, criteria, roi=5, data_readiness=1)  # data readiness 1 normalises to 0: same score
    score(pm, high1, criteria, roi=5)
    rows = ranking_rows(api(ds))
    assert [(r["code"], r["rank"]) for r in rows] == [(high1.code, 1), (high2.code, 1), (low.code, 3)]
    assert rows[0]["score"] == rows[1]["score"]


def test_several_scorers_are_averaged_and_superseded_scores_do_not_count(pm, units, criteria, make_user, ds, api):
    use_case = services.use_case_create(actor=pm, title="Avg", business_unit=units["RETAIL"])
    colleague = make_user("pm2", "program_manager", units=(units["RETAIL"],))
    score(pm, use_case, criteria, roi=1)
    score(pm, use_case, criteria, roi=5)  # supersedes the 1
    score(colleague, use_case, criteria, roi=2)  # mean 3.5 -> 3 * 2.5/4 = 1.875 of 13 -> 14.42
    (row,) = ranking_rows(api(ds))
    assert row["score"] == pytest.approx(14.42, abs=0.006)


def test_the_risk_criterion_reads_the_assessed_risk_tier(pm, units, criteria, ds, api):
    low, manual, critical = (
        services.use_case_create(actor=pm, title=t, business_unit=units["RETAIL"]) for t in ("Low", "Manual", "Crit")
    )
    for use_case in (low, manual, critical):
        score(pm, use_case, criteria, roi=5)  # 3 of 13
    score(pm, manual, criteria, risk=3)  # unassessed: the manual mean counts, (5-3)/4 * 2 = 1
    score(pm, critical, criteria, risk=1)  # assessed critical: the tier (5) wins over the manual 1
    UseCase.objects.filter(pk=low.pk).update(risk_tier="low")  # tier 1 -> (5-1)/4 * 2 = 2
    UseCase.objects.filter(pk=critical.pk).update(risk_tier="critical")
    rows = {r["title"]: r for r in ranking_rows(api(ds))}
    assert rows["Low"]["score"] == pytest.approx(38.46, abs=0.006)
    assert rows["Manual"]["score"] == pytest.approx(30.77, abs=0.006)
    assert rows["Crit"]["score"] == pytest.approx(23.08, abs=0.006)
    assert rows["Low"]["missing_criteria"] == 4 and rows["Manual"]["missing_criteria"] == 4


def test_use_cases_outside_the_backlog_are_not_ranked(pm, units, criteria, ds, api):
    cases = {
        status: services.use_case_create(actor=pm, title=status, business_unit=units["RETAIL"])
        for status in ("proposed", "assessing", "approved", "in_delivery", "live", "retired", "paused", "rejected")
    }
    for status, use_case in cases.items():
        score(pm, use_case, criteria, roi=5)
        UseCase.objects.filter(pk=use_case.pk).update(status=status)
    rows = ranking_rows(api(ds))
    assert sorted(r["title"] for r in rows) == ["approved", "assessing", "proposed"]
    assert {r["status"] for r in rows} == {"proposed", "assessing", "approved"}


def test_confidential_use_cases_of_another_unit_never_appear(pm, corp_pm, units, criteria, ds, executive, api):
    hidden = services.use_case_create(actor=corp_pm, title="Hidden", business_unit=units["CORP"], confidential=True)
    score(corp_pm, hidden, criteria, roi=5, strategic_alignment=5)  # would rank first
    own_secret = services.use_case_create(
        actor=pm, title="Own secret", business_unit=units["RETAIL"], confidential=True
    )
    visible = services.use_case_create(actor=corp_pm, title="Visible", business_unit=units["CORP"])
    score(pm, own_secret, criteria, roi=4)
    score(corp_pm, visible, criteria, roi=3)

    rows = ranking_rows(api(ds))
    assert [r["title"] for r in rows] == ["Own secret", "Visible"]
    assert [r["rank"] for r in rows] == [1, 2]  # the hidden one leaves no gap that betrays it
    corp_rows = ranking_rows(api(ds), f"&business_unit={units['CORP'].pk}")
    assert [(r["title"], r["rank"]) for r in corp_rows] == [("Visible", 1)]
    assert "Hidden" not in [r["title"] for r in ranking_rows(api(ds), "&weight_roi=10")]
    # An executive sees every unit.
    assert [r["title"] for r in ranking_rows(api(executive))] == ["Hidden", "Own secret", "Visible"]


def test_the_ranking_filters_by_business_unit(pm, corp_pm, units, criteria, ds, api):
    retail = services.use_case_create(actor=pm, title="Retail", business_unit=units["RETAIL"])
    corp = services.use_case_create(actor=corp_pm, title="Corp", business_unit=units["CORP"])
    score(pm, retail, criteria, roi=2)
    score(corp_pm, corp, criteria, roi=5)
    rows = ranking_rows(api(ds), f"&business_unit={units['RETAIL'].pk}")
    assert [(r["title"], r["rank"], r["business_unit"]) for r in rows] == [("Retail", 1, "RETAIL")]


@pytest.mark.parametrize("value", ["RETAIL", "-1", "1.5", "\u00b2", "\u2460"])
def test_a_business_unit_that_is_not_an_id_is_a_400(case, ds, api, value):
    # "²" and "①" pass str.isdigit() but are not integers.
    response = api(ds).get(f"{API}/ranking/", {"business_unit": value})
    assert response.status_code == 400 and names(response, "business_unit")


def test_an_out_of_range_business_unit_id_is_not_a_server_error(case, ds, api):
    response = api(ds).get(f"{API}/ranking/", {"business_unit": "9" * 23})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        assert names(response, "business_unit")


def test_an_unknown_criterion_key_is_a_400_naming_it(case, ds, api):
    response = api(ds).get(f"{API}/ranking/?weight_nope=1")
    assert response.status_code == 400
    assert names(response, "weight_nope") and "nope" in response.json()["detail"]


@pytest.mark.parametrize("value", ["-1", "abc", "NaN", "1001"])
def test_a_bad_weight_is_a_400(case, ds, api, value):
    response = api(ds).get(f"{API}/ranking/?weight_roi={value}")
    assert response.status_code == 400 and names(response, "weight_roi")


def test_ranking_rows_have_the_documented_fields(case, ds, api):
    (row,) = ranking_rows(api(ds))
    assert {"use_case", "code", "score", "rank", "base_rank", "moved", "sensitive"} <= set(row)
    assert (row["use_case"], row["code"], row["rank"], row["score"]) == (case.pk, "UC-001", 1, 0.0)
    assert row["missing_criteria"] == 6


def test_the_ranking_is_paginated(pm, units, ds, api):
    for i in range(3):
        services.use_case_create(actor=pm, title=f"U{i}", business_unit=units["RETAIL"])
    body = api(ds).get(f"{API}/ranking/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    rest = api(ds).get(body["next"]).json()["results"]
    assert [r["rank"] for r in body["results"] + rest] == [1, 1, 1]
    assert len({r["use_case"] for r in body["results"] + rest}) == 3


# --- 5. Scoring criteria ---------------------------------------------------------------------------


def test_a_platform_admin_changes_a_weight_and_it_is_audited(admin, criteria, api):
    roi = criteria["roi"]
    response = api(admin).patch(f"{API}/scoring-criteria/{roi.pk}/", {"weight": "5"}, format="json")
    assert response.status_code == 200, response.content
    roi.refresh_from_db()
    assert roi.weight == Decimal(5)
    event = events("scoring_criterion.updated", roi).get()
    assert event.actor == admin and "weight" in event.changes


def test_a_negative_weight_is_a_400(admin, criteria, api):
    roi = criteria["roi"]
    response = api(admin).patch(f"{API}/scoring-criteria/{roi.pk}/", {"weight": "-1"}, format="json")
    assert response.status_code == 400 and names(response, "weight")
    roi.refresh_from_db()
    assert roi.weight == Decimal(3)


def test_a_pm_cannot_change_a_weight(pm, criteria, api):
    roi = criteria["roi"]
    response = api(pm).patch(f"{API}/scoring-criteria/{roi.pk}/", {"weight": "9"}, format="json")
    assert response.status_code == 403
    roi.refresh_from_db()
    assert roi.weight == Decimal(3) and not events("scoring_criterion.updated").exists()


def test_everyone_reads_the_criteria_with_their_weights(ds, api):
    rows = api(ds).get(f"{API}/scoring-criteria/").json()["results"]
    got = {r["key"]: (Decimal(r["weight"]), r["higher_is_better"], r["source"]) for r in rows}
    assert got["roi"] == (Decimal(3), True, "manual")
    assert got["risk"] == (Decimal(2), False, "risk_tier")
    assert len(got) == 6


def test_a_platform_admin_adds_a_criterion_that_the_ranking_then_knows(admin, case, ds, api):
    created = api(admin).post(
        f"{API}/scoring-criteria/",
        {"key": "reuse", "name": "Reuse potential", "weight": "2", "rubric": {"1": "none", "5": "everywhere"}},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["key"] == "reuse"
    assert events("scoring_criterion.created").count() == 1
    assert api(ds).get(f"{API}/ranking/?weight_reuse=4").status_code == 200
    (row,) = ranking_rows(api(ds))
    assert row["missing_criteria"] == 7
    keyless = api(admin).post(f"{API}/scoring-criteria/", {"name": "No key", "weight": "1"}, format="json")
    assert keyless.status_code == 400 and names(keyless, "key")
    assert ScoringCriterion.objects.count() == 7


# --- 6. Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target_date", ["2025-01-01", "2024-06-30"])
def test_a_kpi_target_not_after_its_baseline_is_a_400(pm, units, api, target_date):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    response = api(pm).post(f"{API}/kpis/", kpi_payload(objective.pk, target_date=target_date), format="json")
    assert response.status_code == 400 and names(response, "target_date")
    assert not KPI.objects.exists() and not events("kpi.created").exists()


def test_a_metric_kpi_without_a_binding_is_a_400(pm, units, api):
    objective = Objective.objects.create(title="Lending", business_unit=units["RETAIL"])
    response = api(pm).post(f"{API}/kpis/", kpi_payload(objective.pk, source="metric"), format="json")
    assert response.status_code == 400 and names(response, "metric_binding")
    assert not KPI.objects.exists()
    bound = api(pm).post(
        f"{API}/kpis/", kpi_payload(objective.pk, source="metric", metric_binding="offer_latency_days"), format="json"
    )
    assert bound.status_code == 201, bound.content


def test_a_use_case_in_an_unknown_business_unit_is_a_400(pm, api):
    response = api(pm).post(f"{API}/use-cases/", {"title": "Orphan", "business_unit": 424242}, format="json")
    assert response.status_code == 400 and names(response, "business_unit")
    assert not UseCase.objects.exists() and not events("use_case.created").exists()


def test_a_use_case_in_another_unit_is_a_403(pm, units, api):
    response = api(pm).post(
        f"{API}/use-cases/", {"title": "Not mine", "business_unit": units["CORP"].pk}, format="json"
    )
    assert response.status_code == 403
    assert not UseCase.objects.exists()


def test_a_measurement_before_the_baseline_is_a_400(pm, units, api):
    kpi = make_kpi(Objective.objects.create(title="Lending", business_unit=units["RETAIL"]))
    response = api(pm).post(
        f"{API}/kpis/{kpi.pk}/measurements/", {"measured_on": "2024-12-31", "value": "9"}, format="json"
    )
    assert response.status_code == 400 and names(response, "measured_on")
    assert not KPIMeasurement.objects.exists() and not events("kpi.measured").exists()


def test_a_negative_estimated_value_is_a_400(pm, units, api):
    response = api(pm).post(
        f"{API}/use-cases/",
        {"title": "Cheap", "business_unit": units["RETAIL"].pk, "estimated_value": "-1"},
        format="json",
    )
    assert response.status_code == 400 and names(response, "estimated_value")
    assert not UseCase.objects.exists()


# --- 7. Query counts -------------------------------------------------------------------------------


class World:
    """Rows for the list endpoints, added in batches; each batch touches every relation a list shows."""

    def __init__(self, units, pm, criteria):
        self.units, self.pm, self.criteria = units, pm, criteria
        self.root = Capability.objects.create(name="Root")
        self.objective = Objective.objects.create(title="Shared", business_unit=None, owner=pm)
        self.kpi = make_kpi(self.objective)
        self.made = 0

    def use_cases(self, n):
        unit_cycle = [self.units["RETAIL"], self.units["CORP"], self.units["OPS"]]
        for _ in range(n):
            i = self.made = self.made + 1
            use_case = UseCase.objects.create(
                number=10_000 + i,
                title=f"UC {i}",
                business_unit=unit_cycle[i % 3],
                sponsor=self.pm,
                owner=self.pm,
                confidential=i % 2 == 0,
                ea_components=["CRM-01"],
            )
            use_case.capabilities.add(self.root, Capability.objects.create(name=f"Cap {i}", parent=self.root))
            UseCaseObjective.objects.create(
                use_case=use_case, objective=self.objective, kpi=self.kpi, expected_contribution=1
            )
            for key in ("roi", "data_readiness", "risk"):
                Score.objects.create(
                    use_case=use_case, criterion=self.criteria[key], score=1 + i % 5, rationale="r", scorer=self.pm
                )

    def objectives(self, n):
        for _ in range(n):
            i = self.made = self.made + 1
            objective = Objective.objects.create(
                title=f"Obj {i}", business_unit=self.units["RETAIL"] if i % 2 else None, owner=self.pm
            )
            make_kpi(objective, name=f"KPI {i}a")
            make_kpi(objective, name=f"KPI {i}b")

    def kpis(self, n):
        for _ in range(n):
            i = self.made = self.made + 1
            kpi = make_kpi(self.objective, name=f"KPI {i}")
            KPIMeasurement.objects.create(kpi=kpi, measured_on=date(2025, 2, 1), value=i, recorded_by=self.pm)
            KPIMeasurement.objects.create(kpi=kpi, measured_on=date(2025, 3, 1), value=i + 1, recorded_by=self.pm)

    def capabilities(self, n):
        for _ in range(n):
            i = self.made = self.made + 1
            Capability.objects.create(name=f"Cap {i}", parent=self.root)

    def criteria_rows(self, n):
        for _ in range(n):
            i = self.made = self.made + 1
            ScoringCriterion.objects.create(key=f"extra_{i}", name=f"Extra {i}", weight=1, rubric={"1": "low"})


LISTS = [
    ("use-cases", "use_cases", ""),
    ("objectives", "objectives", ""),
    ("kpis", "kpis", ""),
    ("capabilities", "capabilities", ""),
    ("scoring-criteria", "criteria_rows", ""),
    ("ranking", "use_cases", ""),
    ("ranking", "use_cases", "&weight_roi=7&weight_risk=0"),
]


@pytest.mark.parametrize("viewer", ["ds", "executive"])
@pytest.mark.parametrize(("endpoint", "builder", "query"), LISTS)
def test_list_queries_do_not_grow_with_rows(units, pm, ds, executive, criteria, api, viewer, endpoint, builder, query):
    world = World(units, pm, criteria)
    user_pk = {"ds": ds, "executive": executive}[viewer].pk
    url = f"{API}/{endpoint}/?page_size=500{query}"

    def measure():
        client = api(User.objects.get(pk=user_pk))  # fresh user: no permission cache carried over
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.content
        return len(captured), response.json()["count"]

    getattr(world, builder)(3)
    measure()  # warm process-wide caches (content types)
    few, few_rows = measure()
    getattr(world, builder)(22)
    many, many_rows = measure()
    assert many_rows > few_rows  # the new rows are listed
    assert many == few, f"{endpoint}: {few} queries for {few_rows} rows, {many} for {many_rows}"

"""The executive dashboard: KPI verdicts, value, risk heatmap, funnel; each figure against counts made
here from the fixture, scoped per business unit, exportable, with a bounded number of queries."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from core.seeding import seeding_bypass
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import AIModel, ModelVersion
from portfolio import services as portfolio
from portfolio.models import KPI, UseCase
from portfolio.selectors import kpi_verdict

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.mark.parametrize(
    ("latest", "verdict"),
    [
        (None, "no_data"),
        (Decimal("20"), "off_track"),  # 10 % of the way with half the time gone
        (Decimal("45"), "at_risk"),  # 35 % against 50 % expected: above 60 % of it, below 90 %
        (Decimal("56"), "on_track"),  # 46 % against 50 %: keeps up
        (Decimal("120"), "on_track"),  # past the target
    ],
)
def test_kpi_verdict_compares_progress_with_time_elapsed(latest, verdict):
    kpi = KPI(
        baseline=Decimal("10"), target=Decimal("110"), baseline_date=date(2026, 1, 1), target_date=date(2027, 1, 1)
    )
    halfway = date(2026, 7, 2)
    assert kpi_verdict(kpi=kpi, latest=latest, on=halfway)[2] == verdict


def test_kpi_verdict_works_for_a_kpi_that_must_go_down():
    kpi = KPI(baseline=Decimal("10"), target=Decimal("5"), baseline_date=date(2026, 1, 1), target_date=date(2027, 1, 1))
    progress, expected, verdict = kpi_verdict(kpi=kpi, latest=Decimal("7"), on=date(2026, 7, 2))
    assert progress == Decimal("0.6") and verdict == "on_track"
    assert kpi_verdict(kpi=kpi, latest=Decimal("11"), on=date(2026, 7, 2))[2] == "off_track"


@pytest.fixture
def portfolio_world(units, make_user):
    """Two units. RETAIL: a live use case serving a lagging KPI, with two production models (one high
    risk) and a model in validation. CORP: a live use case on a KPI that keeps up, one production model."""
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"], units["CORP"]))
    world = {"pm": pm, "ds": ds}
    for code, tier, progress, models in (
        ("RETAIL", "high", Decimal("0.2"), [Stage.PRODUCTION, Stage.PRODUCTION, Stage.IN_VALIDATION]),
        ("CORP", "low", Decimal("0.55"), [Stage.PRODUCTION]),
    ):
        objective = portfolio.objective_create(actor=pm, title=f"{code} objective", business_unit=units[code])
        kpi = portfolio.kpi_create(
            actor=pm, objective=objective, name=f"{code} KPI", unit="%", baseline=Decimal(0),
            baseline_date=TODAY - timedelta(days=180), target=Decimal(100), target_date=TODAY + timedelta(days=180),
        )  # fmt: skip
        portfolio.kpi_measurement_record(actor=pm, kpi=kpi, value=Decimal(5), measured_on=TODAY - timedelta(days=90))
        portfolio.kpi_measurement_record(actor=pm, kpi=kpi, value=progress * 100, measured_on=TODAY)
        case = portfolio.use_case_create(
            actor=pm, title=f"{code} case", business_unit=units[code], estimated_value=Decimal(1000)
        )
        portfolio.use_case_link_objective(
            actor=pm, use_case=case, objective=objective, kpi=kpi, expected_contribution=Decimal(30)
        )
        UseCase.objects.filter(pk=case.pk).update(status="live", risk_tier=tier)
        for i, stage in enumerate(models):
            model = lifecycle.model_register(actor=ds, name=f"{code.lower()}-{i}", use_case=case)
            version = lifecycle.model_version_register(actor=ds, model=model, version="1", signature={"x": "y"})
            with seeding_bypass():
                ModelVersion.objects.filter(pk=version.pk).update(stage=stage)
        world[code] = {"kpi": kpi, "case": case}
    return world


def _exec(make_user, units, name="boss"):
    return make_user(name, "executive")


def _csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_kpi_alignment_shows_verdicts_and_contributions(client, units, make_user, portfolio_world):
    client.force_login(_exec(make_user, units))
    rows = {r["kpi"]: r for r in _csv(client.get("/dashboards/executive/?export=kpis"))}
    assert rows["RETAIL KPI"]["verdict"] == "off track"  # 20 % of the way with half the time gone
    assert rows["CORP KPI"]["verdict"] == "on track"
    assert rows["RETAIL KPI"]["production_models"] == "2"
    assert rows["RETAIL KPI"]["live_use_cases"] == "1"
    assert Decimal(rows["RETAIL KPI"]["expected_contribution"]) == 30
    page = client.get("/dashboards/executive/").content.decode()
    headline = page.split('data-testid="headline"')[1].split("</section>")[0]
    assert '<div class="figure">1</div><div class="label">KPIs on track' in headline
    assert '<div class="figure">1</div><div class="label">KPIs off track' in headline


def test_risk_heatmap_counts_models_by_tier_and_lead_stage_and_drills_down(client, units, make_user, portfolio_world):
    client.force_login(_exec(make_user, units))
    rows = {r["risk tier"]: r for r in _csv(client.get("/dashboards/executive/?export=risk"))}
    assert rows["High"]["Production"] == "2" and rows["High"]["In validation"] == "1"
    assert rows["Low"]["Production"] == "1"
    assert sum(int(v) for r in rows.values() for k, v in r.items() if k != "risk tier") == 4
    drill = client.get("/lifecycle/models/?tier=high&stage=production").content.decode()
    assert "retail-0" in drill and "retail-1" in drill and "retail-2" not in drill and "corp-0" not in drill


def test_a_model_counts_at_its_most_advanced_version(client, units, make_user, portfolio_world):
    model = ModelVersion.objects.get(model__name="retail-2").model
    newer = lifecycle.model_version_register(actor=portfolio_world["ds"], model=model, version="2", signature={})
    with seeding_bypass():
        ModelVersion.objects.filter(pk=newer.pk).update(stage=Stage.PRODUCTION)
    client.force_login(_exec(make_user, units))
    rows = {r["risk tier"]: r for r in _csv(client.get("/dashboards/executive/?export=risk"))}
    assert rows["High"]["Production"] == "3" and rows["High"]["In validation"] == "0"


def test_unit_filter_narrows_every_panel_and_stays_in_the_url(client, units, make_user, portfolio_world):
    client.force_login(_exec(make_user, units))
    kpis = _csv(client.get("/dashboards/executive/?unit=CORP&export=kpis"))
    assert [r["kpi"] for r in kpis] == ["CORP KPI"]
    risk = {r["risk tier"]: r for r in _csv(client.get("/dashboards/executive/?unit=CORP&export=risk"))}
    assert risk["High"]["Production"] == "0" and risk["Low"]["Production"] == "1"
    page = client.get("/dashboards/executive/?unit=CORP").content.decode()
    assert 'href="/dashboards/executive/print/?unit=CORP"' in page
    assert "/lifecycle/models/?stage=production&unit=CORP" in page


def test_scoping_confidential_work_counts_only_for_those_who_may_see_it(client, units, make_user, portfolio_world):
    """CORP's use case and model are confidential: a RETAIL head's figures leave them out, a CORP head's
    and the executive's include them."""
    UseCase.objects.filter(pk=portfolio_world["CORP"]["case"].pk).update(confidential=True)
    AIModel.objects.filter(name="corp-0").update(confidential=True)
    perm = Permission.objects.get(codename="view_executive")
    numbers = {}
    for code in ("RETAIL", "CORP"):
        head = make_user(f"head-{code}", units=(units[code],))
        head.user_permissions.add(perm)
        client.force_login(head)
        risk = _csv(client.get("/dashboards/executive/?export=risk"))
        kpis = {r["kpi"]: r for r in _csv(client.get("/dashboards/executive/?export=kpis"))}
        numbers[code] = (
            sum(int(v) for r in risk for k, v in r.items() if k != "risk tier"),
            kpis["CORP KPI"]["live_use_cases"],
            kpis["CORP KPI"]["production_models"],
        )
    assert numbers == {"RETAIL": (3, "0", "0"), "CORP": (4, "1", "1")}
    # An unknown unit in the URL is ignored (all units shown), never an error page.
    unknown = _csv(client.get("/dashboards/executive/?unit=NOPE&export=risk"))
    assert sum(int(v) for r in unknown for k, v in r.items() if k != "risk tier") == 4


def test_funnel_and_value_exports(client, units, make_user, portfolio_world):
    client.force_login(_exec(make_user, units))
    value = _csv(client.get("/dashboards/executive/?export=value"))
    by_unit = {r["name"]: r for r in value if r["group"] == "business unit"}
    assert Decimal(by_unit["RETAIL"]["projected"]) == 1000 and Decimal(by_unit["CORP"]["projected"]) == 1000
    moves = _csv(client.get("/dashboards/executive/?export=lifecycle"))
    assert sum(int(r["use cases proposed"]) for r in moves) == 2  # both created this quarter
    assert client.get("/dashboards/executive/?export=nothing").status_code == 404


def test_query_count_does_not_grow_with_the_portfolio(client, units, make_user, portfolio_world, settings,
                                                      django_assert_max_num_queries):  # fmt: skip
    settings.DASHBOARD_CACHE_SECONDS = 0  # every request computes every panel
    boss = _exec(make_user, units)
    client.force_login(boss)
    client.get("/dashboards/executive/")
    with django_assert_max_num_queries(48):
        small = client.get("/dashboards/executive/")
    pm = portfolio_world["pm"]
    for i in range(6):  # more objectives, KPIs, use cases and models
        objective = portfolio.objective_create(actor=pm, title=f"More {i}", business_unit=units["CORP"])
        kpi = portfolio.kpi_create(
            actor=pm, objective=objective, name=f"K{i}", unit="%", baseline=Decimal(0),
            baseline_date=TODAY - timedelta(days=10), target=Decimal(1), target_date=TODAY + timedelta(days=10),
        )  # fmt: skip
        portfolio.kpi_measurement_record(actor=pm, kpi=kpi, value=Decimal("0.5"), measured_on=TODAY)
        case = portfolio.use_case_create(actor=pm, title=f"Case {i}", business_unit=units["CORP"])
        portfolio.use_case_link_objective(actor=pm, use_case=case, objective=objective, kpi=kpi)
        UseCase.objects.filter(pk=case.pk).update(status="live")
        lifecycle.model_register(actor=make_user(f"ds{i}", "data_scientist", units=(units["CORP"],)), name=f"o{i}",
                                 use_case=case)  # fmt: skip
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        client.get("/dashboards/executive/")
    assert small.status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        client.get("/dashboards/executive/")


def test_the_board_pack_has_the_kpis_and_static_figures_without_navigation(client, units, make_user, portfolio_world):
    client.force_login(_exec(make_user, units))
    response = client.get("/dashboards/executive/print/?unit=RETAIL")
    page = response.content.decode()
    assert 'class="printable"' in page and "board pack" in page and "Retail" in page
    assert 'data-testid="kpi-alignment"' in page and 'id="risk-heatmap"' in page
    # Paper: every figure static, sized for a sixth of the page, with no toolbar.
    heatmap = response.context["heatmap"]
    assert heatmap["config"] == {"staticPlot": True, "displayModeBar": False} and heatmap["layout"]["height"] == 170


def test_executive_dashboard_is_refused_without_its_permission(client, units, make_user):
    client.force_login(make_user("ds", "data_scientist", units=(units["RETAIL"],)))
    assert client.get("/dashboards/executive/").status_code == 403
    assert client.get("/dashboards/executive/print/").status_code == 403


def test_panels_are_cached_until_an_audited_change(client, units, make_user, portfolio_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(_exec(make_user, units))
    with CaptureQueriesContext(connection) as cold:
        client.get("/dashboards/executive/")
    with CaptureQueriesContext(connection) as warm:
        client.get("/dashboards/executive/")
    assert len(warm) < len(cold) - 8
    kpi = portfolio_world["CORP"]["kpi"]
    portfolio.kpi_measurement_record(
        actor=portfolio_world["pm"], kpi=kpi, value=Decimal(1), measured_on=TODAY + timedelta(1)
    )
    rows = {r["kpi"]: r for r in _csv(client.get("/dashboards/executive/?export=kpis"))}
    assert Decimal(rows["CORP KPI"]["latest"]) == 1 and rows["CORP KPI"]["verdict"] == "off track"


def test_cost_health_and_compliance_panels_count_what_was_stored(client, units, make_user, portfolio_world):
    from django.utils import timezone

    from monitoring import health
    from monitoring import services as monitoring
    from monitoring.sync import series_store
    from tests.monitoring.factories import series_of

    now_ms = int(timezone.now().timestamp() * 1000)
    retail = ModelVersion.objects.filter(model__name__startswith="retail", stage=Stage.PRODUCTION).order_by("pk")
    for i, version in enumerate(retail):  # this month's spend: 40 + 60 in RETAIL
        series_store(series_id=series_of(version, "cost_usd").pk, points=[(0, now_ms - 60_000, 40.0 + 20 * i)])
    monitoring.budget_set(
        actor=portfolio_world["pm"], business_unit=units["RETAIL"], monthly_amount=80, valid_from=TODAY.replace(day=1)
    )
    health.health_check_all()
    client.force_login(_exec(make_user, units))
    cost = _csv(client.get("/dashboards/executive/?unit=RETAIL&export=cost"))
    this_month = TODAY.strftime("%Y-%m")
    row = next(r for r in cost if r["kind"] == "actual" and r["month"] == this_month)
    assert (row["unit"], float(row["cost_usd"]), float(row["budget_usd"])) == ("RETAIL", 100.0, 80.0)
    page = client.get("/dashboards/executive/").content.decode()
    health_panel = page.split('data-testid="health"')[1].split("</section>")[0]
    # Every production version gets a health record, whatever its state.
    assert "of 3 production models checked" in health_panel
    coverage = {r["framework"]: r for r in _csv(client.get("/dashboards/executive/?export=compliance"))}
    assert coverage and all(r["covered"] == "0" for r in coverage.values())
    assert int(coverage["EU AI Act"]["use_cases"]) == 2  # the two assessed use cases (high and low)

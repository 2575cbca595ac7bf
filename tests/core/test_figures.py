"""The charts write Plotly's JSON themselves (core.figures): every chart builder's output must pass Plotly's
own validation, so a misspelt property or a value of the wrong kind fails here instead of drawing nothing."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace as NS

import plotly.graph_objects as go
import pytest

from core.figures import TEMPLATE, figure, title
from dashboards import charts as dashboard_charts
from governance import charts as governance_charts
from lifecycle.choices import Stage
from monitoring import charts as monitoring_charts
from portfolio import charts as portfolio_charts
from portfolio.choices import RiskTier
from portfolio.ranking import RankRow

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WAVES = [
    NS(pk=1, name="Wave 1", start=date(2026, 1, 1), end=date(2026, 3, 31)),
    NS(pk=2, name="Wave 2", start=date(2026, 4, 1), end=date(2026, 6, 30)),
]
RANKED = [
    RankRow(use_case=pk, code=f"UC-00{pk}", title="Claims triage", business_unit="RETAIL", status="proposed",
            score=score, rank=pk, missing_criteria=0, estimated_value=Decimal("300000"),
            estimated_cost=Decimal("40000.50"), base_rank=pk)
    for pk, score in ((1, 71.23), (2, 12.0))
]  # fmt: skip
POINTS = [(1_780_000_000_000 + day * 86_400_000, float(day)) for day in range(5)]
RULE = NS(name="drift", severity="critical", condition=">", threshold=0.25, get_severity_display=lambda: "Critical")
TREND = NS(metric=NS(name="psi", unit=""), days=[date(2026, 1, 1), date(2026, 1, 2)], means=[0.1, 0.3], counts=[3, 4],
           rules=[RULE])  # fmt: skip
GROUPS = {"groups": [{"group": "A", "reference": True, "selection_rate": 0.5, "tpr": 0.7},
                     {"group": "B", "reference": False, "selection_rate": 0.3, "tpr": 0.6}]}  # fmt: skip
KPI = NS(
    baseline_date=date(2026, 1, 1), target_date=date(2026, 12, 31), baseline=Decimal(10), target=Decimal(20), unit="%"
)

# (builder, arguments): every chart Lodestar draws.
CHARTS = [
    (dashboard_charts.risk_heatmap, {"tiers": list(RiskTier), "stages": [Stage.PRODUCTION, Stage.STAGING],
                                     "counts": {("high", "production"): 3}, "url_for": lambda t, s: f"/m/?{t}&{s}"}),
    (dashboard_charts.funnel, {"steps": [("Proposed", 5, "/a"), ("In production", 2, "/b")]}),
    (dashboard_charts.quarterly_moves, {"quarters": ["2026 Q1", "2026 Q2"],
                                        "series": [("to production", [1, 2], "#2e8b57", ["/a", "/b"])]}),
    (dashboard_charts.kpi_progress, {"rows": [NS(kpi=NS(name="NPS"), progress=Decimal("0.4"), expected=Decimal("0.5"),
                                                 verdict="at_risk")], "url_for": lambda r: "/k"}),
    (dashboard_charts.value_by_unit, {"rows": [{"business_unit__code": "RETAIL", "projected": Decimal("10.5"),
                                                "realised_total": None}]}),
    (dashboard_charts.review_ageing, {"reviews": [NS(pk=1, version="fraud v3", opened_at=NOW - timedelta(days=20))],
                                      "now": NOW, "turnaround": 10, "url_for": lambda r: "/r"}),
    (dashboard_charts.models_by_stage, {"models": [NS(name="fraud", n_in_validation=1, n_pending_approval=0,
                                                      n_approved=2, n_staging=0, n_production=1)],
                                        "url_for": lambda m: "/m"}),
    (dashboard_charts.health_donut, {"shares": {"good": 3, "warning": 1, "bad": 0}, "url_for": lambda s: "/h"}),
    (dashboard_charts.compliance_coverage, {"rows": [NS(framework=NS(name="EU AI Act"), percent=85, covered=17,
                                                        required=20)], "url_for": lambda r: "/c"}),
    (portfolio_charts.value_effort, {"rows": RANKED}),
    (portfolio_charts.kpi_trend, {"kpi": KPI,
                                  "measurements": [NS(measured_on=date(2026, 3, 1), value=Decimal("12.5"))]}),
    (portfolio_charts.roadmap_gantt, {"items": [NS(use_case=NS(code="UC-001", title="Claims triage"), use_case_id=1,
                                                   wave_id=1, wave=WAVES[0], planned_start=date(2026, 1, 5),
                                                   planned_end=date(2026, 2, 5))],
                                      "waves": WAVES, "conflicted": {1}}),
    (portfolio_charts.projected_vs_realised, {"rows": [{"objective": NS(title="Grow"), "projected": Decimal(5),
                                                        "realised": Decimal("2.5")}], "url_for": lambda r: "/o"}),
    (monitoring_charts.series_chart, {"series_list": [(NS(metric=NS(unit="psi"), run_id="a1b2c3d4e5"), POINTS)]}),
    (monitoring_charts.comparison_chart, {"named_series": [("v1", POINTS), ("v2", POINTS)]}),
    (monitoring_charts.cost_chart, {
        "history": [{"unit": "RETAIL", "month": "2026-01", "cost": 10.0}],
        "forecast": {"history": [{"month": "2026-01", "cost": 10.0}],
                     "forecast": [{"month": "2026-02", "cost": 13.0, "low": 11.0, "high": 15.0}]},
        "budgets": [{"month": "2026-01", "unit": "total", "budget": 20.0}], "scope": "total",
        "unit_url": lambda unit: "/u"}),
    (monitoring_charts.value_chart, {"days": ["2026-01-01", "2026-01-02"], "values": [1.0, None], "projected": 3.0,
                                     "currency": "USD"}),
    (monitoring_charts.trend_chart, {"trend": TREND, "first": date(2026, 1, 1), "last": date(2026, 1, 2),
                                     "url_for": lambda day: "/a"}),
    (governance_charts.bias_chart, {"result": GROUPS,
                                    "thresholds": [{"metric": "disparate_impact", "operator": ">=", "value": 0.8}]}),
]  # fmt: skip


@pytest.mark.parametrize(("build", "arguments"), CHARTS, ids=[build.__name__ for build, _ in CHARTS])
def test_every_chart_is_valid_plotly_with_the_default_look(build, arguments):
    built = build(**arguments)
    go.Figure(built)  # Plotly's validation: raises on an unknown property or a value of the wrong kind
    assert built["layout"]["template"] == TEMPLATE
    assert all("type" in trace for trace in built["data"])


def test_a_wrong_property_is_caught_by_that_validation():
    with pytest.raises(ValueError, match="colour"):
        go.Figure(figure([{"type": "bar", "x": [1], "colour": "red"}]))


def test_figures_are_json_ready_and_leave_unset_properties_out():
    built = figure(
        [{"type": "bar", "x": [date(2026, 1, 1)], "y": [Decimal("2.5")], "customdata": None}],
        height=300,
        yaxis=title("USD"),
    )
    assert built["data"] == [{"type": "bar", "x": ["2026-01-01"], "y": [2.5]}]
    assert built["layout"]["yaxis"] == {"automargin": True, "title": {"text": "USD"}}
    assert built["layout"]["height"] == 300
    # A metric logged as NaN or infinity is a gap in the line, not a page whose chart data fails to parse.
    gaps = figure([{"type": "scatter", "y": [1.0, float("nan"), float("inf"), -float("inf")]}])
    assert gaps["data"][0]["y"] == [1.0, None, None, None]
    with pytest.raises(TypeError, match="object is not a chart value"):
        figure([{"type": "bar", "x": [object()]}])


def test_labels_do_not_overlap_long_names_are_cut_and_whole_in_the_hover():
    """Issue 19: every axis makes room for its labels, long category names are cut on the axis but stay
    distinct categories (two objectives alike at the start are two bars) named whole in the hover, legends sit
    above the plot, and a line's label sits above the plot rather than on the data."""
    alike = ["Reduce the cost of serving retail customers", "Reduce the cost of serving corporate customers"]
    rows = [{"objective": NS(title=name), "projected": 1, "realised": 2} for name in alike]
    built = portfolio_charts.projected_vs_realised(rows)
    axis = built["layout"]["xaxis"]
    assert axis["automargin"] and axis["tickvals"] == alike
    assert all(len(text) <= 24 and text.endswith("…") for text in axis["ticktext"])
    assert built["data"][0]["x"] == alike and built["layout"]["legend"]["yanchor"] == "bottom"
    ageing = dashboard_charts.review_ageing(
        reviews=[NS(pk=1, version="fraud v3", opened_at=NOW - timedelta(days=20))], now=NOW, turnaround=10,
        url_for=lambda r: "/r",
    )  # fmt: skip
    [label] = ageing["layout"]["annotations"]
    assert (label["y"], label["yanchor"], label["xanchor"]) == (1, "bottom", "right")
    many = [replace(RANKED[0], rank=rank, code=f"UC-{rank:03d}") for rank in range(1, 12)]
    bubbles = portfolio_charts.value_effort(many)["data"][0]
    assert [t for t in bubbles["text"] if t] == [f"UC-{rank:03d}" for rank in range(1, 7)]
    assert bubbles["hovertext"] == [r.code for r in many]

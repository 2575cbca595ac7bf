"""Each role's dashboard in Chromium on the demo data: it renders every chart with data, a filter narrows
it through the URL, a drill-down opens the list behind a figure; a screenshot of each is kept."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import path_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHARTS_WITH_DATA = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => ({
  id: el.id,
  svg: !!el.querySelector('svg.main-svg'),
  points: (el.data || []).reduce((n, t) => n + ((t.x || t.y || t.z || t.values || []).length), 0),
}))"""


def assert_every_chart_drawn(page, expected: int):
    page.wait_for_function("() => document.querySelectorAll('[data-chart] svg.main-svg').length > 0")
    charts = page.evaluate(CHARTS_WITH_DATA)
    assert len(charts) >= expected, charts
    empty = [c for c in charts if not c["svg"] or c["points"] == 0]
    assert empty == [], empty


def apply_unit(page, code: str):
    page.get_by_test_id("dashboard-filters").get_by_label("Business unit").select_option(code)
    page.get_by_test_id("dashboard-filters").get_by_role("button", name="Apply").click()
    page.wait_for_load_state("load")
    assert f"unit={code}" in page.url


def click_heatmap_cell(page, chart_id: str, column: int, row: int):
    """A real mouse click in the middle of a heatmap cell (Plotly's own hit-testing decides the point)."""
    x, y = page.evaluate(
        """([id, col, row]) => {
            const el = document.getElementById(id);
            el.scrollIntoView({block: "center"});
            const box = el.getBoundingClientRect(), xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
            return [box.left + xa._offset + xa.l2p(col), box.top + ya._offset + ya.l2p(row)];
        }""",
        [chart_id, column, row],
    )
    page.mouse.click(x, y)


def test_executive_sees_kpis_risk_and_drills_into_the_heatmap(login, live_server, console_errors, screenshots):
    page = login("exec")
    assert_every_chart_drawn(page, expected=6)
    # The page fits the window: a wide table scrolls inside its own box, the page never sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    headline = page.get_by_test_id("headline")
    expect(headline).to_contain_text("KPIs on track")
    page.screenshot(path=str(screenshots / "dashboard-executive.png"), full_page=True)

    apply_unit(page, "RETAIL")
    expect(page.get_by_test_id("dashboard-filters").get_by_label("Business unit")).to_have_value("RETAIL")
    assert_every_chart_drawn(page, expected=6)

    # Drill-down: the Production column of the heatmap, in the first tier row that has models.
    from django.contrib.auth.models import User

    from lifecycle.selectors import tier_stage_counts
    from portfolio.choices import RiskTier
    from portfolio.models import BusinessUnit

    counts = tier_stage_counts(user=User.objects.get(username="exec"), unit=BusinessUnit.objects.get(code="RETAIL"))
    tiers = list(RiskTier)
    row = next(i for i, t in enumerate(tiers) if counts.get((t.value, "production")))
    click_heatmap_cell(page, "risk-heatmap-plot", 0, row)
    page.wait_for_url(re.compile(r"/lifecycle/models/\?"))
    assert f"tier={tiers[row].value}" in page.url and "stage=production" in page.url and "unit=RETAIL" in page.url
    expect(page.get_by_test_id("model-table").locator("tbody tr")).to_have_count(
        counts[(tiers[row].value, "production")]
    )
    # ...and on to the record itself: the model's page, with its versions and who owns it.
    first = page.get_by_test_id("model-table").locator("tbody tr a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/lifecycle/models/\d+/$"))
    expect(page.locator("h1")).to_contain_text(name)
    page.go_back()

    # Drill-down: the tallest bar of the lifecycle chart opens the list it counts, with the unit kept.
    page.go_back()
    page.wait_for_function("() => document.querySelector('#moves-chart-plot svg.main-svg')")
    height, x, y = page.evaluate(
        """() => {
            const el = document.getElementById("moves-chart-plot");
            el.scrollIntoView({block: "center"});
            let best = [0, 0, 0];
            el.data.forEach((trace, t) => trace.y.forEach((v, i) => { if (v > best[0]) best = [v, t, i]; }));
            const bar = el.querySelectorAll(".barlayer .trace")[best[1]].querySelectorAll(".point")[best[2]];
            const box = bar.getBoundingClientRect();
            return [best[0], box.left + box.width / 2, box.top + box.height / 2];
        }"""
    )
    assert height > 0, "the demo has lifecycle moves in RETAIL"
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/(portfolio/use-cases|lifecycle/versions)/\?"))
    assert ("business_unit=" in page.url or "unit=RETAIL" in page.url) and "_after=" in page.url
    expect(page.get_by_test_id("filter-chips")).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(height)
    page.screenshot(path=str(screenshots / "drill-lifecycle-bar.png"), full_page=True)
    assert console_errors == []


def test_executive_printable_board_pack(login, live_server, console_errors, screenshots):
    page = login("exec")
    page.get_by_test_id("printable").click()
    page.wait_for_load_state("load")
    assert path_of(page.url).startswith("/dashboards/executive/print/")
    expect(page.locator("header.site-header")).to_be_hidden()
    assert_every_chart_drawn(page, expected=6)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1047})  # A4 portrait inside 10 mm margins, at 96 dpi
    page.screenshot(path=str(screenshots / "dashboard-executive-print.png"), full_page=True)
    # Nothing to click on paper: no visible control, no chart toolbar, no menu.
    leftovers = page.evaluate(INTERACTIVE_LEFTOVERS)
    assert leftovers == [], leftovers
    # What the board gets: Chromium's own print to A4, one page.
    pdf = page.pdf(format="A4", print_background=True)
    (screenshots / "board-pack.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 1
    assert console_errors == []


# Elements a reader could click or type into, visible when printed (charts' toolbars included).
INTERACTIVE_LEFTOVERS = """() => Array.from(document.querySelectorAll(
    'button, input, select, textarea, form, nav, .modebar, [data-testid=printable], [data-testid=dashboard-filters]'
  )).filter(el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .map(el => el.outerHTML.slice(0, 80))"""


def pdf_pages(pdf: bytes) -> int:
    """The page count of Chromium's PDF: its page objects are written uncompressed (`/Type /Page`)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_program_manager_sees_the_agenda_backlog_and_roadmap(login, live_server, console_errors, screenshots):
    page = login("pm")
    assert_every_chart_drawn(page, expected=2)
    expect(page.get_by_test_id("agenda")).to_contain_text("Next portfolio review")
    page.screenshot(path=str(screenshots / "dashboard-program.png"), full_page=True)

    apply_unit(page, "CORP")
    units = page.get_by_test_id("backlog").locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert units and set(units) == {"CORP"}

    # Drill-down: a use case missing its assessment opens its page.
    page.get_by_test_id("unassessed").locator("tbody a").first.click()
    page.wait_for_load_state("load")
    assert re.match(r"/portfolio/use-cases/\d+/", path_of(page.url))
    assert console_errors == []


def test_review_board_sees_its_queue_ageing_and_opens_a_review(login, live_server, console_errors, screenshots):
    page = login("rb3")  # holds Business and Security: the demo leaves reviews waiting on both
    assert_every_chart_drawn(page, expected=1)
    queue_rows = page.get_by_test_id("queue").locator("tbody tr")
    expect(queue_rows.first).to_contain_text(" v")
    page.screenshot(path=str(screenshots / "dashboard-review-board.png"), full_page=True)

    apply_unit(page, "OPS")
    expect(page.get_by_test_id("dashboard-filters").get_by_label("Business unit")).to_have_value("OPS")
    # Drill-down: the first open review in the queue opens its page.
    page.goto(f"{live_server.url}/dashboards/review-board/")
    page.get_by_test_id("queue").locator("tbody a").first.click()
    page.wait_for_load_state("load")
    assert re.match(r"/governance/reviews/\d+/", path_of(page.url))
    assert console_errors == []


def test_data_scientist_sees_models_alerts_and_drift(login, live_server, console_errors, screenshots):
    page = login("ds2")  # owns the demo's production models with drift series
    assert_every_chart_drawn(page, expected=2)
    expect(page.get_by_test_id("my-alerts").locator("tbody tr").first).to_contain_text("#")
    page.screenshot(path=str(screenshots / "dashboard-data-science.png"), full_page=True)

    apply_unit(page, "OPS")
    names = page.get_by_test_id("my-models").locator("tbody tr td:first-child").all_inner_texts()
    assert names, "ds2 owns models in OPS"
    page.get_by_test_id("my-models").locator("tbody a").first.click()
    page.wait_for_load_state("load")
    assert re.match(r"/lifecycle/models/\d+/", path_of(page.url))
    assert console_errors == []


def test_a_version_page_shows_trends_with_thresholds_and_a_point_opens_its_alerts(
    login, live_server, console_errors, screenshots
):
    from monitoring.models import Alert

    alert = Alert.objects.filter(rule__metric__name="psi").select_related("model_version").first()
    assert alert is not None, "the demo has a drift alert"
    page = login("ds2")
    page.goto(f"{live_server.url}/monitoring/versions/{alert.model_version_id}/metrics/?window=90")
    page.wait_for_function("() => document.querySelector('#trend-psi-plot svg.main-svg')")
    expect(page.get_by_test_id("trend-windows")).to_contain_text("90 days")
    assert page.locator("#trend-psi-plot .shapelayer path").count() >= 1, "a threshold line is drawn"
    page.get_by_test_id("trends").screenshot(path=str(screenshots / "version-trends.png"))
    # The point on the day of the alert's latest breach opens the alerts of that day, the alert among them.
    day = alert.last_breach_at // 86_400_000
    x, y = page.evaluate(
        """(day) => {
            const el = document.getElementById("trend-psi-plot");
            el.scrollIntoView({block: "center"});
            const i = el.data[0].x.findIndex(d => Math.floor(Date.parse(d) / 86400000) === day);
            const box = el.getBoundingClientRect(), xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
            return [box.left + xa._offset + xa.d2p(el.data[0].x[i]), box.top + ya._offset + ya.d2p(el.data[0].y[i])];
        }""",
        day,
    )
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/monitoring/alerts/\?"))
    assert "metric=psi" in page.url and "breached_after=" in page.url
    expect(page.get_by_test_id("alert-table")).to_contain_text(f"#{alert.pk}")
    assert console_errors == []

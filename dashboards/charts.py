"""Plotly figures of the dashboards, as JSON-ready dicts (drawn by static/js/charts.js). A point whose
customdata is a URL opens it on click: every chart drills down to the list behind it."""

from core.figures import LEGEND_ABOVE, category_ticks, figure, title, vline
from portfolio.charts import LAYOUT

VERDICT_COLOURS = {"on_track": "#2e8b57", "at_risk": "#d99a00", "off_track": "#c0392b", "no_data": "#9aa3b2"}


def risk_heatmap(*, tiers, stages, counts, url_for) -> dict:
    """Models by risk tier (rows) and lead stage (columns); a cell opens the inventory filtered to it."""
    z = [[counts.get((t.value, s.value), 0) for s in stages] for t in tiers]
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": [s.label for s in stages],
        "y": [t.label for t in tiers],
        "text": z,
        "texttemplate": "%{text}",
        "customdata": [[url_for(t.value, s.value) for s in stages] for t in tiers],
        "colorscale": [[0, "#f4f6fa"], [0.01, "#dbe6f7"], [1, "#1f4fa3"]],
        "showscale": False,
        "hovertemplate": "%{y} risk, %{x}: %{z} models<extra></extra>",
    }
    return figure([heatmap], **LAYOUT, height=300, yaxis={"autorange": "reversed"})


def funnel(*, steps: list[tuple[str, int, str]]) -> dict:
    """The pipeline from proposals to production models now: (label, count, drill-down URL) per step."""
    stages = {
        "type": "funnel",
        "y": [label for label, _, _ in steps],
        "x": [n for _, n, _ in steps],
        "customdata": [url for _, _, url in steps],
        "textinfo": "value",
        "marker": {"color": ["#8fa3bf", "#7d95b8", "#6b87b1", "#5a79aa", "#2e8b57", "#1d6b37"][: len(steps)]},
        "hovertemplate": "%{y}: %{x}<extra></extra>",
    }
    return figure([stages], **{**LAYOUT, "margin": {"l": 10, "r": 20, "t": 10, "b": 30}}, height=300)


def quarterly_moves(*, quarters: list[str], series: list[tuple[str, list[int], str, list[str]]]) -> dict:
    """Grouped bars per quarter: (name, counts per quarter, colour, drill-down URL per quarter) per series;
    a bar opens the use cases or versions it counts."""
    bars = [
        {
            "type": "bar",
            "name": name,
            "x": quarters,
            "y": values,
            "marker": {"color": colour},
            "customdata": urls,
            "hovertemplate": f"%{{x}}, {name}: %{{y}}<extra></extra>",
        }
        for name, values, colour, urls in series
    ]
    return figure(bars, **LAYOUT, barmode="group", height=300, yaxis=title("Count"), legend=LEGEND_ABOVE)


def kpi_progress(rows, url_for) -> dict:
    """Horizontal bars: each KPI's progress to target (%) coloured by verdict, with the expected progress
    as a marker."""
    names = [f"{r.kpi.name}" for r in rows]
    progress = [round(float(r.progress or 0) * 100, 1) for r in rows]
    traces = [
        {
            "type": "bar",
            "name": "progress to target",
            "orientation": "h",
            "y": names,
            "x": progress,
            "marker": {"color": [VERDICT_COLOURS[r.verdict] for r in rows]},
            "customdata": [url_for(r) for r in rows],
            "hovertemplate": "%{y}: %{x}% of the way to target<extra></extra>",
        },
        {
            "type": "scatter",
            "name": "expected by now",
            "mode": "markers",
            "y": names,
            "x": [round(float(r.expected) * 100, 1) for r in rows],
            "marker": {"symbol": "line-ns-open", "size": 18, "color": "#1b2a41", "line": {"width": 3}},
            "hovertemplate": "%{y}: %{x}% expected by now<extra></extra>",
        },
    ]
    return figure(
        traces,
        **{**LAYOUT, "margin": {"l": 10, "r": 20, "t": 10, "b": 40}},
        height=max(220, 34 * len(rows) + 80),
        xaxis={**title("% of the way from baseline to target"), "range": [min(0, *progress) - 5, 110]},
        yaxis=category_ticks(names, 34, autorange="reversed"),
        legend=LEGEND_ABOVE,
    )


def value_by_unit(rows: list[dict], url_for=None) -> dict:
    """Grouped bars per business unit: projected against realised annual value; a bar opens the unit's live
    use cases."""
    units = [r["business_unit__code"] for r in rows]
    urls = [url_for(r) for r in rows] if url_for else None
    bars = [
        {"type": "bar", "name": name, "x": units, "y": [float(r[key] or 0) for r in rows],
         "marker": {"color": colour}, "customdata": urls}
        for name, key, colour in (("projected", "projected", "#8fa3bf"), ("realised", "realised_total", "#2e8b57"))
    ]  # fmt: skip
    return figure(bars, **LAYOUT, barmode="group", height=320, yaxis=title("Annual value"), legend=LEGEND_ABOVE)


def review_ageing(*, reviews, now, turnaround: int, url_for) -> dict:
    """One bar per open review: days waiting, red past the board's turnaround; a bar opens the review."""
    names = [f"#{r.pk} {r.version}" for r in reviews]
    ages = [round((now - r.opened_at).total_seconds() / 86_400, 1) for r in reviews]
    bar = {
        "type": "bar",
        "orientation": "h",
        "y": names,
        "x": ages,
        # Overdue as the queue table counts it: whole days past the target.
        "marker": {"color": ["#c0392b" if (now - r.opened_at).days > turnaround else "#5a79aa" for r in reviews]},
        "customdata": [url_for(r) for r in reviews],
        "hovertemplate": "%{y}: waiting %{x} days<extra></extra>",
    }
    target, label = vline(turnaround, line={"color": "#1b2a41", "dash": "dash"}, text=f"{turnaround}-day target")
    return figure(
        [bar],
        **{**LAYOUT, "margin": {"l": 10, "r": 20, "t": 30, "b": 40}},
        height=max(320, 30 * len(reviews) + 90),
        xaxis=title("Days since submission"),
        yaxis=category_ticks(names, 34, autorange="reversed"),
        shapes=[target],
        annotations=[label],
    )


MODEL_STAGE_BARS = [
    ("in_validation", "In validation", "#8fa3bf"),
    ("pending_approval", "Pending approval", "#d99a00"),
    ("approved", "Approved", "#5a79aa"),
    ("staging", "Staging", "#11695c"),
    ("production", "Production", "#2e8b57"),
]


def models_by_stage(models, *, url_for) -> dict:
    """Stacked bars: each model's versions by stage; a bar opens the model."""
    names = [m.name for m in models]
    urls = [url_for(m) for m in models]
    bars = [
        {"type": "bar", "name": label, "x": names, "y": [getattr(m, f"n_{stage}") for m in models],
         "marker": {"color": colour}, "customdata": urls}
        for stage, label, colour in MODEL_STAGE_BARS
    ]  # fmt: skip
    most = max((sum(getattr(m, f"n_{stage}") for stage, _, _ in MODEL_STAGE_BARS) for m in models), default=0)
    return figure(
        bars,
        **LAYOUT,
        barmode="stack",
        height=300,
        xaxis=category_ticks(names, 22),
        # Versions are counted whole: no 0.2 ticks on a small count.
        yaxis={**title("Versions"), **({"dtick": 1} if most <= 8 else {"tickformat": "d"})},
        legend=LEGEND_ABOVE,
    )


HEALTH_COLOURS = {"good": "#2e8b57", "warning": "#d99a00", "bad": "#c0392b"}


def health_donut(shares: dict, *, url_for) -> dict:
    """Production models in good, warning and bad health; a slice opens the health list filtered to it."""
    statuses = [s for s in ("good", "warning", "bad") if shares.get(s)]
    pie = {
        "type": "pie",
        "labels": [s.capitalize() for s in statuses],
        "values": [shares[s] for s in statuses],
        "customdata": [url_for(s) for s in statuses],
        "marker": {"colors": [HEALTH_COLOURS[s] for s in statuses]},
        "hole": 0.55,
        "sort": False,
        "textinfo": "label+value",
        "hovertemplate": "%{label}: %{value} models<extra></extra>",
    }
    return figure([pie], **LAYOUT, height=280, showlegend=False)


def compliance_coverage(rows, *, url_for) -> dict:
    """Per framework: share of required controls with valid evidence; a bar opens the framework."""
    rows = [r for r in rows if r.required]
    bar = {
        "type": "bar",
        "orientation": "h",
        "y": [r.framework.name for r in rows],
        "x": [r.percent for r in rows],
        "text": [f"{r.covered}/{r.required}" for r in rows],
        "textposition": "auto",
        "customdata": [url_for(r) for r in rows],
        "marker": {
            "color": ["#2e8b57" if r.percent >= 80 else "#d99a00" if r.percent >= 50 else "#c0392b" for r in rows]
        },
        "hovertemplate": "%{y}: %{x}% of required controls evidenced (%{text})<extra></extra>",
    }
    return figure(
        [bar],
        **{**LAYOUT, "margin": {"l": 10, "r": 20, "t": 10, "b": 40}},
        height=max(220, 32 * len(rows) + 70),
        xaxis={**title("% of required controls with valid evidence"), "range": [0, 100]},
        yaxis=category_ticks([r.framework.name for r in rows], 30, autorange="reversed"),
    )

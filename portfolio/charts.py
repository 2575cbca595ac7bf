"""Plotly figures (as JSON-ready dicts) built from selector output. Templates emit them with
json_script and static/js/charts.js draws them; no logic in templates."""

from core.figures import LEGEND_ABOVE, category_ticks, figure, title, vband
from portfolio.ranking import RankRow

LAYOUT = {"margin": {"l": 60, "r": 20, "t": 30, "b": 50}, "hovermode": "closest"}
LABELLED = 6  # the bubble chart names the best-ranked few on the chart; the others in their hover


def value_effort(rows: list[RankRow]) -> dict:
    """Bubble chart: cost (effort) across, value up, bubble size by weighted score."""
    bubbles = {
        "type": "scatter",
        "x": [float(r.estimated_cost) for r in rows],
        "y": [float(r.estimated_value) for r in rows],
        # Codes on every bubble ran into each other where use cases cluster: only the leaders are named.
        "text": [r.code if r.rank <= LABELLED else "" for r in rows],
        "hovertext": [r.code for r in rows],
        # The last item is the drill-down: a click opens the use case.
        "customdata": [[r.rank, r.score, r.title, r.url] for r in rows],
        "mode": "markers+text",
        "textposition": "top center",
        "texttemplate": "%{text}",
        "textfont": {"size": 10},
        "marker": {
            "size": [max(8.0, r.score / 2.5) for r in rows],
            "color": [r.score for r in rows],
            "colorscale": "Viridis",
            "showscale": True,
            "colorbar": {"title": {"text": "score"}},
            "line": {"width": 1, "color": "#334"},
        },
        "hovertemplate": "%{hovertext} %{customdata[2]}<br>value %{y:,.0f} / yr<br>cost %{x:,.0f} / yr<br>"
        "rank %{customdata[0]}, score %{customdata[1]}<extra></extra>",
    }
    return figure(
        [bubbles],
        **LAYOUT,
        height=420,
        xaxis=title("Estimated annual cost (effort)"),
        yaxis=title("Estimated annual value"),
    )


def kpi_trend(kpi, measurements) -> dict:
    """The KPI's measurements over time against its baseline and target."""
    dates = [m.measured_on.isoformat() for m in measurements]
    start, end = kpi.baseline_date.isoformat(), kpi.target_date.isoformat()
    traces = [
        {"type": "scatter", "x": dates, "y": [float(m.value) for m in measurements], "mode": "lines+markers",
         "name": "measured", "line": {"color": "#3c6fd1"}},
        {"type": "scatter", "x": [start, end], "y": [float(kpi.baseline), float(kpi.target)], "mode": "lines",
         "name": "planned path", "line": {"dash": "dot", "color": "#8a96a8"}},
        {"type": "scatter", "x": [end], "y": [float(kpi.target)], "mode": "markers", "name": "target",
         "marker": {"symbol": "star", "size": 14, "color": "#d39e00"}},
    ]  # fmt: skip
    return figure(traces, **LAYOUT, height=320, yaxis=title(kpi.unit), legend=LEGEND_ABOVE)


def roadmap_gantt(items, waves, conflicted: set[int]) -> dict:
    """Gantt-style timeline: one bar per planned use case, coloured by wave (named in the legend), each wave's
    span shaded, conflicts outlined in red."""
    palette = ["#3c6fd1", "#2e8b57", "#d39e00", "#8a3ffc", "#c0392b", "#11695c"]
    colour = {wave.pk: palette[i % len(palette)] for i, wave in enumerate(waves)}
    day_ms = 24 * 60 * 60 * 1000
    items = list(items)
    labels = [f"{item.use_case.code} {item.use_case.title[:40]}" for item in items]
    # One trace per wave, so the legend names the waves: labels on the shaded spans ran into each other when
    # the waves are short or the screen narrow.
    bars = []
    for wave in waves:
        mine = [(label, item) for label, item in zip(labels, items, strict=True) if item.wave_id == wave.pk]
        if not mine:
            continue
        bars.append(
            {
                "type": "bar",
                "name": wave.name,
                "y": [label for label, _ in mine],
                "base": [item.planned_start.isoformat() for _, item in mine],
                "x": [((item.planned_end - item.planned_start).days + 1) * day_ms for _, item in mine],
                "orientation": "h",
                "marker": {
                    "color": colour[wave.pk],
                    "line": {
                        "color": ["#c0392b" if i.use_case_id in conflicted else "rgba(0,0,0,0)" for _, i in mine],
                        "width": 3,
                    },
                },
                "customdata": [[wave.name, i.planned_start.isoformat(), i.planned_end.isoformat()] for _, i in mine],
                "hovertemplate": "%{y}<br>%{customdata[0]}: %{customdata[1]} → %{customdata[2]}<extra></extra>",
            }
        )
    bands = [
        vband(wave.start.isoformat(), wave.end.isoformat(), fill=colour[wave.pk], opacity=0.06, text=wave.name)[0]
        for wave in waves
    ]
    return figure(
        bars,
        **LAYOUT,
        height=max(260, 34 * len(items) + 110),
        barmode="overlay",
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": labels},
        legend=LEGEND_ABOVE,
        shapes=bands,
    )


def projected_vs_realised(rows: list[dict], url_for=None) -> dict:
    """Grouped bars per objective: value projected by its live use cases against value realised; with
    `url_for(row)`, a bar opens the list behind it."""
    names = [row["objective"].title for row in rows]
    urls = [url_for(r) for r in rows] if url_for else None
    bars = [
        {"type": "bar", "name": name, "x": names, "y": [float(r[name]) for r in rows], "marker": {"color": colour},
         "customdata": urls}
        for name, colour in (("projected", "#8fa3bf"), ("realised", "#2e8b57"))
    ]  # fmt: skip
    return figure(
        bars,
        **LAYOUT,
        barmode="group",
        height=360,
        xaxis=category_ticks(names, 24),
        yaxis=title("Annual value"),
        legend=LEGEND_ABOVE,
    )

"""Plotly figures (as JSON-ready dicts) built from selector output. Templates emit them with
json_script and static/js/charts.js draws them; no logic in templates."""

import json

import plotly.graph_objects as go
from django.urls import reverse

from portfolio.ranking import RankRow

_LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
    "font": {"size": 12},
    "hovermode": "closest",
    "plot_bgcolor": "#fbfcfe",
    "paper_bgcolor": "rgba(0,0,0,0)",
}


def _as_dict(figure: go.Figure) -> dict:
    return json.loads(figure.to_json())


def value_effort(rows: list[RankRow]) -> dict:
    """Bubble chart: cost (effort) across, value up, bubble size by weighted score."""
    figure = go.Figure(
        go.Scatter(
            x=[float(r.estimated_cost) for r in rows],
            y=[float(r.estimated_value) for r in rows],
            text=[r.code for r in rows],
            # The last item is the drill-down: a click opens the use case.
            customdata=[
                [r.rank, r.score, r.title, reverse("portfolio:usecase_detail", args=[r.use_case])] for r in rows
            ],
            mode="markers+text",
            textposition="top center",
            texttemplate="%{text}",
            marker={
                "size": [max(8.0, r.score / 2.5) for r in rows],
                "color": [r.score for r in rows],
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": {"text": "score"}},
                "line": {"width": 1, "color": "#334"},
            },
            hovertemplate="%{text} %{customdata[2]}<br>value %{y:,.0f} / yr<br>cost %{x:,.0f} / yr<br>"
            "rank %{customdata[0]}, score %{customdata[1]}<extra></extra>",
        )
    )
    figure.update_layout(
        **_LAYOUT, height=420, xaxis_title="Estimated annual cost (effort)", yaxis_title="Estimated annual value"
    )
    figure.update_traces(textfont_size=10)
    return _as_dict(figure)


def kpi_trend(kpi, measurements) -> dict:
    """The KPI's measurements over time against its baseline and target."""
    dates = [m.measured_on.isoformat() for m in measurements]
    figure = go.Figure(
        go.Scatter(
            x=dates,
            y=[float(m.value) for m in measurements],
            mode="lines+markers",
            name="measured",
            line={"color": "#3c6fd1"},
        )
    )
    start, end = kpi.baseline_date.isoformat(), kpi.target_date.isoformat()
    figure.add_trace(
        go.Scatter(
            x=[start, end],
            y=[float(kpi.baseline), float(kpi.target)],
            mode="lines",
            name="planned path",
            line={"dash": "dot", "color": "#8a96a8"},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[end],
            y=[float(kpi.target)],
            mode="markers",
            name="target",
            marker={"symbol": "star", "size": 14, "color": "#d39e00"},
        )
    )
    figure.update_layout(**_LAYOUT, height=320, yaxis_title=kpi.unit, legend={"orientation": "h", "y": -0.2})
    return _as_dict(figure)


def roadmap_gantt(items, waves, conflicted: set[int]) -> dict:
    """Gantt-style timeline: one bar per planned use case, coloured by wave, conflicts outlined in red."""
    palette = ["#3c6fd1", "#2e8b57", "#d39e00", "#8a3ffc", "#c0392b", "#11695c"]
    colour = {wave.pk: palette[i % len(palette)] for i, wave in enumerate(waves)}
    day_ms = 24 * 60 * 60 * 1000
    items = list(items)
    labels = [f"{item.use_case.code} {item.use_case.title[:40]}" for item in items]
    figure = go.Figure(
        go.Bar(
            y=labels,
            base=[item.planned_start.isoformat() for item in items],
            x=[((item.planned_end - item.planned_start).days + 1) * day_ms for item in items],
            orientation="h",
            marker={
                "color": [colour[item.wave_id] for item in items],
                "line": {
                    "color": ["#c0392b" if item.use_case_id in conflicted else "rgba(0,0,0,0)" for item in items],
                    "width": 3,
                },
            },
            customdata=[
                [item.wave.name, item.planned_start.isoformat(), item.planned_end.isoformat()] for item in items
            ],
            hovertemplate="%{y}<br>%{customdata[0]}: %{customdata[1]} → %{customdata[2]}<extra></extra>",
        )
    )
    for wave in waves:
        figure.add_vrect(
            x0=wave.start.isoformat(),
            x1=wave.end.isoformat(),
            fillcolor=colour[wave.pk],
            opacity=0.06,
            line_width=0,
            annotation_text=wave.name,
            annotation_position="top left",
        )
    figure.update_layout(
        **_LAYOUT,
        height=max(260, 34 * len(items) + 90),
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed"},
        showlegend=False,
    )
    return _as_dict(figure)


def projected_vs_realised(rows: list[dict], url_for=None) -> dict:
    """Grouped bars per objective: value projected by its live use cases against value realised; with
    `url_for(row)`, a bar opens the list behind it."""
    names = [row["objective"].title for row in rows]
    urls = [url_for(r) for r in rows] if url_for else None
    figure = go.Figure(
        [
            go.Bar(name="projected", x=names, y=[float(r["projected"]) for r in rows], marker_color="#8fa3bf",
                   customdata=urls),
            go.Bar(name="realised", x=names, y=[float(r["realised"]) for r in rows], marker_color="#2e8b57",
                   customdata=urls),
        ]
    )  # fmt: skip
    figure.update_layout(
        **_LAYOUT, barmode="group", height=360, yaxis_title="Annual value", legend={"orientation": "h", "y": 1.12}
    )
    return _as_dict(figure)

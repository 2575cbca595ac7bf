"""Plotly figures (JSON-ready dicts) of metric series, drawn by static/js/charts.js."""

import json
from datetime import UTC, datetime

import plotly.graph_objects as go

_LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
    "font": {"size": 12},
    "hovermode": "x unified",
    "plot_bgcolor": "#fbfcfe",
    "paper_bgcolor": "rgba(0,0,0,0)",
}


def series_chart(series_list) -> dict:
    """One line per series of a metric (a version may have several runs watching it)."""
    figure = go.Figure()
    unit = ""
    for series, points in series_list:
        unit = series.metric.unit
        figure.add_trace(
            go.Scatter(
                x=[datetime.fromtimestamp(t / 1000, tz=UTC).isoformat() for t, _ in points],
                y=[v for _, v in points],
                mode="lines+markers" if len(points) < 60 else "lines",
                name=f"run {series.run_id[:8]}",
            )
        )
    figure.update_layout(**_LAYOUT, height=260, yaxis_title=unit, showlegend=len(series_list) > 1)
    return json.loads(figure.to_json())


def comparison_chart(named_series) -> dict:
    """The two versions' points of one metric over time, one line each: [(label, [(ms, value)])]."""
    figure = go.Figure()
    for label, points in named_series:
        figure.add_trace(
            go.Scatter(
                x=[datetime.fromtimestamp(t / 1000, tz=UTC).isoformat() for t, _ in points],
                y=[v for _, v in points],
                mode="lines+markers" if len(points) < 60 else "lines",
                name=label,
            )
        )
    figure.update_layout(**_LAYOUT, height=300, showlegend=True)
    return json.loads(figure.to_json())

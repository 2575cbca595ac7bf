"""Plotly figures (JSON-ready dicts) of metric series, drawn by static/js/charts.js."""

import json
from datetime import UTC, datetime, timedelta

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


def cost_chart(*, history: list[dict], forecast: dict | None, budgets: list[dict], scope: str, unit_url=None) -> dict:
    """Monthly spend stacked by business unit, the forecast of `scope` (a unit code or "total") as a line in
    its prediction band, and the budget of `scope` as a stepped line (rows from monitoring.cost)."""
    figure = go.Figure()
    by_unit: dict[str, dict[str, float]] = {}
    for row in history:
        by_unit.setdefault(row["unit"], {})[row["month"]] = row["cost"]
    for unit, months in sorted(by_unit.items()):
        urls = [unit_url(unit)] * len(months) if unit_url else None
        figure.add_trace(go.Bar(x=list(months), y=list(months.values()), name=unit, customdata=urls))
    if forecast and forecast["forecast"]:
        months = [p["month"] for p in forecast["forecast"]]
        figure.add_trace(
            go.Scatter(
                x=months,
                y=[p["high"] for p in forecast["forecast"]],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=months,
                y=[p["low"] for p in forecast["forecast"]],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(99,110,250,0.18)",
                name="90 % interval",
            )
        )
        # The line starts at the last complete month so it reads as the trend's continuation.
        last = forecast["history"][-1:]
        figure.add_trace(
            go.Scatter(
                x=[p["month"] for p in last] + months,
                y=[p["cost"] for p in last] + [p["cost"] for p in forecast["forecast"]],
                mode="lines+markers",
                line={"dash": "dash", "color": "#4c55d9"},
                name="Forecast",
            )
        )
    line = [row for row in budgets if row["unit"] == scope]
    if line:
        figure.add_trace(
            go.Scatter(
                x=[row["month"] for row in line],
                y=[row["budget"] for row in line],
                mode="lines",
                line={"shape": "hv", "color": "#d62728"},
                name="Budget",
            )
        )
    figure.update_layout(
        **{**_LAYOUT, "hovermode": "x"},
        height=380,
        barmode="stack",
        yaxis_title="USD",
        xaxis={"type": "category", "categoryorder": "category ascending"},
        legend={"orientation": "h"},
    )
    return json.loads(figure.to_json())


def value_chart(*, days: list[str], values: list[float | None], projected: float | None, currency: str) -> dict:
    """Realised value per day (bars; a gap where the formula was undefined) against the projected value per
    day (the use case's estimated annual value ÷ 365) as a flat line."""
    figure = go.Figure()
    figure.add_trace(go.Bar(x=days, y=values, name="Realised", marker={"color": "#4c55d9"}))
    if days and projected is not None:
        figure.add_trace(
            go.Scatter(
                x=[days[0], days[-1]],
                y=[projected, projected],
                mode="lines",
                line={"dash": "dash", "color": "#d62728"},
                name="Projected",
            )
        )
    figure.update_layout(**_LAYOUT, height=280, yaxis_title=f"{currency} per day", legend={"orientation": "h"})
    return json.loads(figure.to_json())


_RULE_COLOURS = {"critical": "#c0392b", "warning": "#d99a00", "info": "#5a79aa"}


def trend_chart(trend, *, first, last, url_for) -> dict:
    """A metric's daily means over the window, its alert rules' thresholds as dashed lines; a point opens
    the alerts of its day (url_for(day))."""
    metric = trend.metric
    figure = go.Figure(
        go.Scatter(
            x=[d.isoformat() for d in trend.days],
            y=trend.means,
            mode="lines+markers",
            name=metric.name,
            line={"color": "#1f4fa3"},
            marker={"size": 6 if len(trend.days) < 120 else 4},
            customdata=[[n, url_for(d)] for d, n in zip(trend.days, trend.counts, strict=True)],
            hovertemplate="%{x}: mean %{y:.4g} of %{customdata[0]} points<extra></extra>",
        )
    )
    for rule in trend.rules:
        figure.add_hline(
            y=rule.threshold,
            line_dash="dash",
            line_width=1.5,
            line_color=_RULE_COLOURS.get(rule.severity, "#1b2a41"),
            annotation_text=f"{rule.name} ({rule.get_severity_display().lower()}: {rule.condition} {rule.threshold:g})",
            annotation_position="top left",
            annotation_font_size=11,
        )
    values = [*trend.means, *(r.threshold for r in trend.rules)]
    yaxis = {"title": metric.unit or metric.name}
    if values:  # leave room above and below the lines and their labels
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or abs(high) * 0.1 or 1
        yaxis["range"] = [low - pad, high + pad]
    figure.update_layout(
        **{**_LAYOUT, "hovermode": "closest"},
        height=260,
        showlegend=False,
        # Half a day beyond each end, so the first and last points are drawn whole.
        xaxis={"range": [f"{first - timedelta(days=1)}T12:00:00", f"{last}T12:00:00"], "type": "date"},
        yaxis=yaxis,
    )
    return json.loads(figure.to_json())

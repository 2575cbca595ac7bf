"""Plotly figures (JSON-ready dicts, core.figures) of metric series, drawn by static/js/charts.js."""

from datetime import UTC, datetime, timedelta

from core.figures import LEGEND_ABOVE, figure, hline, title

_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 30, "b": 40}, "hovermode": "x unified"}


def series_chart(series_list) -> dict:
    """One line per series of a metric (a version may have several runs watching it)."""
    lines = [_line(f"run {series.run_id[:8]}", points) for series, points in series_list]
    unit = series_list[-1][0].metric.unit if series_list else ""
    return figure(lines, **_LAYOUT, height=260, yaxis=title(unit), showlegend=len(series_list) > 1, legend=LEGEND_ABOVE)


def _line(name: str, points) -> dict:
    """A metric's points [(ms, value)] as a line, with markers while they are few enough to see."""
    return {
        "type": "scatter",
        "x": [datetime.fromtimestamp(t / 1000, tz=UTC).isoformat() for t, _ in points],
        "y": [v for _, v in points],
        "mode": "lines+markers" if len(points) < 60 else "lines",
        "name": name,
    }


def comparison_chart(named_series) -> dict:
    """The two versions' points of one metric over time, one line each: [(label, [(ms, value)])]."""
    lines = [_line(label, points) for label, points in named_series]
    return figure(lines, **_LAYOUT, height=300, showlegend=True, legend=LEGEND_ABOVE)


def cost_chart(*, history: list[dict], forecast: dict | None, budgets: list[dict], scope: str, unit_url=None) -> dict:
    """Monthly spend stacked by business unit, the forecast of `scope` (a unit code or "total") as a line in
    its prediction band, and the budget of `scope` as a stepped line (rows from monitoring.cost)."""
    by_unit: dict[str, dict[str, float]] = {}
    for row in history:
        by_unit.setdefault(row["unit"], {})[row["month"]] = row["cost"]
    traces = [
        {"type": "bar", "x": list(months), "y": list(months.values()), "name": unit,
         "customdata": [unit_url(unit)] * len(months) if unit_url else None}
        for unit, months in sorted(by_unit.items())
    ]  # fmt: skip
    if forecast and forecast["forecast"]:
        ahead = forecast["forecast"]
        months = [p["month"] for p in ahead]
        # The line starts at the last complete month so it reads as the trend's continuation.
        last = forecast["history"][-1:]
        traces += [
            {"type": "scatter", "x": months, "y": [p["high"] for p in ahead], "mode": "lines", "line": {"width": 0},
             "showlegend": False, "hoverinfo": "skip"},
            {"type": "scatter", "x": months, "y": [p["low"] for p in ahead], "mode": "lines", "line": {"width": 0},
             "fill": "tonexty", "fillcolor": "rgba(99,110,250,0.18)", "name": "90 % interval"},
            {"type": "scatter", "x": [p["month"] for p in last] + months,
             "y": [p["cost"] for p in last] + [p["cost"] for p in ahead], "mode": "lines+markers",
             "line": {"dash": "dash", "color": "#4c55d9"}, "name": "Forecast"},
        ]  # fmt: skip
    line = [row for row in budgets if row["unit"] == scope]
    if line:
        traces.append(
            {"type": "scatter", "x": [row["month"] for row in line], "y": [row["budget"] for row in line],
             "mode": "lines", "line": {"shape": "hv", "color": "#d62728"}, "name": "Budget"}
        )  # fmt: skip
    return figure(
        traces,
        **{**_LAYOUT, "hovermode": "x"},
        height=380,
        barmode="stack",
        yaxis=title("USD"),
        xaxis={"type": "category", "categoryorder": "category ascending"},
        legend=LEGEND_ABOVE,
    )


def value_chart(*, days: list[str], values: list[float | None], projected: float | None, currency: str) -> dict:
    """Realised value per day (bars; a gap where the formula was undefined) against the projected value per
    day (the use case's estimated annual value ÷ 365) as a flat line."""
    traces = [{"type": "bar", "x": days, "y": values, "name": "Realised", "marker": {"color": "#4c55d9"}}]
    if days and projected is not None:
        traces.append(
            {"type": "scatter", "x": [days[0], days[-1]], "y": [projected, projected], "mode": "lines",
             "line": {"dash": "dash", "color": "#d62728"}, "name": "Projected"}
        )  # fmt: skip
    return figure(traces, **_LAYOUT, height=280, yaxis=title(f"{currency} per day"), legend=LEGEND_ABOVE)


_RULE_COLOURS = {"critical": "#c0392b", "warning": "#d99a00", "info": "#5a79aa"}


def trend_chart(trend, *, first, last, url_for) -> dict:
    """A metric's daily means over the window, its alert rules' thresholds as dashed lines; a point opens
    the alerts of its day (url_for(day))."""
    metric = trend.metric
    means = {
        "type": "scatter",
        "x": [d.isoformat() for d in trend.days],
        "y": trend.means,
        "mode": "lines+markers",
        "name": metric.name,
        "line": {"color": "#1f4fa3"},
        "marker": {"size": 6 if len(trend.days) < 120 else 4},
        "customdata": [[n, url_for(d)] for d, n in zip(trend.days, trend.counts, strict=True)],
        "hovertemplate": "%{x}: mean %{y:.4g} of %{customdata[0]} points<extra></extra>",
    }
    thresholds = [
        hline(
            rule.threshold,
            line={"color": _RULE_COLOURS.get(rule.severity, "#1b2a41"), "dash": "dash", "width": 1.5},
            text=f"{rule.name} ({rule.get_severity_display().lower()}: {rule.condition} {rule.threshold:g})",
            font={"size": 11},
        )
        for rule in trend.rules
    ]
    values = [*trend.means, *(r.threshold for r in trend.rules)]
    yaxis = title(metric.unit or metric.name)
    if values:  # leave room above and below the lines and their labels
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or abs(high) * 0.1 or 1
        yaxis["range"] = [low - pad, high + pad]
    return figure(
        [means],
        **{**_LAYOUT, "hovermode": "closest"},
        height=260,
        showlegend=False,
        # Half a day beyond each end, so the first and last points are drawn whole.
        xaxis={"range": [f"{first - timedelta(days=1)}T12:00:00", f"{last}T12:00:00"], "type": "date"},
        yaxis=yaxis,
        shapes=[shape for shape, _ in thresholds],
        annotations=[label for _, label in thresholds],
    )

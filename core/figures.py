"""Plotly figures as the JSON plotly.js reads, built as plain dicts.

Building them through `plotly.graph_objects` validated and copied every point on every request: a third of
the ranking page's time with 600 use cases, and most of the executive dashboard's charts. The charts write
Plotly's JSON directly instead; `tests/core/test_figures.py` passes each one through plotly's own
validation, so a misspelt property still fails, in the tests rather than at every request.
"""

import json
from datetime import date, datetime
from decimal import Decimal

import plotly.io

# Plotly's default look ("plotly" template), which graph objects used to embed in every figure. Shared by every
# figure as it is: built once, never changed.
TEMPLATE = plotly.io.templates["plotly"].to_plotly_json()
# Lodestar's look on top of it, for every chart; a chart's own layout overrides any of it.
LOOK = {"font": {"size": 12}, "plot_bgcolor": "#fbfcfe", "paper_bgcolor": "rgba(0,0,0,0)"}


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a chart value")


def figure(data: list[dict], **layout) -> dict:
    """A figure from its traces (each with its `type`) and layout, JSON-ready (numbers as floats). A trace
    property set to None is left out, as Plotly leaves it out; NaN and infinities (a metric can log them)
    become gaps (null), as Plotly's encoder makes them, since the browser's JSON has no NaN. Every axis makes
    room for its tick labels (automargin), so a long or tilted label never runs into the axis title or the
    legend, whatever the chart's own margins."""
    traces = [{key: value for key, value in trace.items() if value is not None} for trace in data]
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {"automargin": True, **layout.get(axis, {})}
    built = json.loads(json.dumps({"data": traces, "layout": {**LOOK, **layout}}, default=_plain), parse_constant=_gap)
    built["layout"] = {"template": TEMPLATE, **built["layout"]}  # already plain JSON: not encoded again per chart
    return built


def _gap(constant: str) -> None:
    return None


# A legend in one row above the plot, left-aligned: clear of the data, of tilted x labels, and of the toolbar
# (top right). Plotly widens the top margin for it when it wraps on a narrow screen.
LEGEND_ABOVE = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}


def short(label: str, limit: int = 28) -> str:
    """A category label cut to `limit` characters (an ellipsis says so); the hover shows it whole."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def category_ticks(labels: list[str], limit: int = 28, **axis) -> dict:
    """An axis of categories whose tick labels are cut to `limit` characters: the categories stay the full
    labels (two names alike at the start stay two bars, and the hover names them whole)."""
    return {**axis, "tickmode": "array", "tickvals": labels, "ticktext": [short(label, limit) for label in labels]}


def title(text: str) -> dict:
    """An axis title as Plotly stores it."""
    return {"title": {"text": text}}


def hline(y: float, *, line: dict, text: str, side: str = "left", font: dict | None = None) -> tuple[dict, dict]:
    """A horizontal line across the plot at `y` and its label above it, at the left or right end:
    (shape, annotation), as Plotly's add_hline draws them."""
    shape = {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y", "line": line}
    label = {"text": text, "showarrow": False, "x": 0 if side == "left" else 1, "xanchor": side,
             "xref": "x domain", "y": y, "yanchor": "bottom", "yref": "y"}  # fmt: skip
    return shape, {**label, "font": font} if font else label


def vline(x, *, line: dict, text: str) -> tuple[dict, dict]:
    """A vertical line up the plot at `x`, labelled at its top: (shape, annotation), as add_vline draws them."""
    shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}
    return shape, _top_label(x, text, xanchor="right")  # ends at the line: a line near the right edge keeps it whole


def vband(x0, x1, *, fill: str, opacity: float, text: str) -> tuple[dict, dict]:
    """A shaded band up the plot from `x0` to `x1`, labelled at its top left: (shape, annotation), as
    add_vrect draws them."""
    shape = {"type": "rect", "x0": x0, "x1": x1, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
             "fillcolor": fill, "opacity": opacity, "line": {"width": 0}}  # fmt: skip
    return shape, _top_label(x0, text)


def _top_label(x, text: str, xanchor: str = "left") -> dict:
    # Above the plot area, not inside it: a label inside would sit on the first bar or point.
    return {"text": text, "showarrow": False, "x": x, "xanchor": xanchor, "xref": "x", "y": 1, "yanchor": "bottom",
            "yref": "y domain"}  # fmt: skip

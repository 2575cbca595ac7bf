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
    become gaps (null), as Plotly's encoder makes them, since the browser's JSON has no NaN."""
    traces = [{key: value for key, value in trace.items() if value is not None} for trace in data]
    built = json.loads(json.dumps({"data": traces, "layout": {**LOOK, **layout}}, default=_plain), parse_constant=_gap)
    built["layout"] = {"template": TEMPLATE, **built["layout"]}  # already plain JSON: not encoded again per chart
    return built


def _gap(constant: str) -> None:
    return None


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
    return shape, _top_label(x, text)


def vband(x0, x1, *, fill: str, opacity: float, text: str) -> tuple[dict, dict]:
    """A shaded band up the plot from `x0` to `x1`, labelled at its top left: (shape, annotation), as
    add_vrect draws them."""
    shape = {"type": "rect", "x0": x0, "x1": x1, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
             "fillcolor": fill, "opacity": opacity, "line": {"width": 0}}  # fmt: skip
    return shape, _top_label(x0, text)


def _top_label(x, text: str) -> dict:
    return {"text": text, "showarrow": False, "x": x, "xanchor": "left", "xref": "x", "y": 1, "yanchor": "top",
            "yref": "y domain"}  # fmt: skip

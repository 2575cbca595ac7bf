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

# Plotly's default look ("plotly" template), which graph objects used to embed in every figure.
TEMPLATE = plotly.io.templates["plotly"].to_plotly_json()


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
    built = {"data": traces, "layout": {"template": TEMPLATE, **layout}}
    return json.loads(json.dumps(built, default=_plain), parse_constant=lambda _: None)


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


def vline(x: float, *, line: dict, text: str) -> tuple[dict, dict]:
    """A vertical line up the plot at `x`, labelled at its top: (shape, annotation), as add_vline draws them."""
    shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}
    label = {"text": text, "showarrow": False, "x": x, "xanchor": "left", "xref": "x", "y": 1, "yanchor": "top",
             "yref": "y domain"}  # fmt: skip
    return shape, label

"""Plotly figures (JSON-ready dicts) of bias assessments, drawn by static/js/charts.js."""

from core.figures import figure, hline, title

_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 30, "b": 40}, "barmode": "group"}


def disparate_impact_floor(thresholds: list[dict]) -> float | None:
    return next(
        (r["value"] for r in thresholds if r["metric"] == "disparate_impact" and r["operator"] in (">=", ">")), None
    )


def bias_chart(result: dict, thresholds: list[dict]) -> dict:
    """Selection rate and TPR per group of one attribute, with the selection rate a group needs to meet the
    disparate impact threshold (threshold × the reference group's selection rate)."""
    groups = result["groups"]
    names = [g["group"] + (" (reference)" if g["reference"] else "") for g in groups]
    bars = [
        {"type": "bar", "x": names, "y": [g["selection_rate"] for g in groups], "name": "selection rate"},
        {"type": "bar", "x": names, "y": [g["tpr"] for g in groups], "name": "true-positive rate"},
    ]
    floor = disparate_impact_floor(thresholds)
    reference = next(g for g in groups if g["reference"])
    needed = []
    if floor is not None:
        needed = [
            hline(
                floor * reference["selection_rate"],
                line={"color": "#9b1c1c", "dash": "dash"},
                text=f"{floor:g} × reference selection rate",
                side="right",
            )
        ]
    return figure(
        bars,
        **_LAYOUT,
        height=300,
        yaxis={**title("rate"), "range": [0, 1.05]},
        showlegend=True,
        shapes=[shape for shape, _ in needed],
        annotations=[label for _, label in needed],
    )

"""Pure rule conditions: given a series' points, which of the new ones breach a rule. No database here,
so each condition can be checked against values computed by hand."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from monitoring.choices import Condition

Point = tuple[int, int, float]  # (step, timestamp, value), in series order


@dataclass(frozen=True)
class Breach:
    point: Point
    observed: float  # the value, the relative change or the z-score, as the condition measures it
    reference: float | None  # the baseline mean or trailing mean it was compared with


def breaches(
    *,
    condition: str,
    threshold: float,
    window: int,
    new: Sequence[Point],
    history: Sequence[Point],
    baseline: Sequence[Point] = (),
    higher_is_better: bool | None = None,
) -> list[Breach]:
    """The new points that breach the condition.

    - above / below: the value against the threshold;
    - relative_change: |value - b| / |b| >= threshold, where b is the mean of the series' first `window`
      points (the reference period); a point inside the reference period is not judged;
    - zscore: |value - m| / s >= threshold, where m and s (sample deviation) are over the `window` points
      right before the point in `history`; no judgement without a full window or when s is 0.
    `history` holds the points before the first new one (at least `window` of them when available).
    With `higher_is_better` given, a relative change or z-score counts only in the worse direction (a
    rise of AUC or a fall of latency is no alarm).
    """

    def worse(signed: float) -> bool:
        return higher_is_better is None or (signed < 0 if higher_is_better else signed > 0)

    if condition == Condition.ABOVE:
        return [Breach(p, p[2], threshold) for p in new if p[2] > threshold]
    if condition == Condition.BELOW:
        return [Breach(p, p[2], threshold) for p in new if p[2] < threshold]
    if condition == Condition.RELATIVE_CHANGE:
        reference = list(baseline[:window])
        if len(reference) < window:
            return []
        base = statistics.fmean(p[2] for p in reference)
        if base == 0:
            return []
        judged = [p for p in new if p not in reference]
        found = []
        for point in judged:
            change = (point[2] - base) / abs(base)
            if abs(change) >= threshold and worse(change):
                found.append(Breach(point, change, base))
        return found
    if condition == Condition.ZSCORE:
        trail = list(history)
        found = []
        for point in new:
            before = trail[-window:]
            trail.append(point)
            if len(before) < window:
                continue
            values = [p[2] for p in before]
            spread = statistics.stdev(values)
            if spread == 0:
                continue
            mean = statistics.fmean(values)
            z = (point[2] - mean) / spread
            if abs(z) >= threshold and worse(z):
                found.append(Breach(point, z, mean))
        return found
    raise ValueError(f"Unknown condition {condition!r}")

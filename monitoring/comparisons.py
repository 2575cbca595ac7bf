"""Comparing two versions on a metric (a canary or shadow with its incumbent, or any two): the points
of a window, Welch's t-test (unequal variances: two deployments rarely share one), and a verdict in words."""

import math
from dataclasses import dataclass

from scipy import stats

from monitoring.models import MetricDefinition, MetricPoint

SIGNIFICANCE = 0.05
MIN_POINTS = 3


@dataclass(frozen=True)
class Comparison:
    metric: MetricDefinition
    candidate_values: list[float]
    incumbent_values: list[float]
    p_value: float | None = None
    t_statistic: float | None = None
    verdict: str = ""
    candidate_better: bool | None = None

    @property
    def candidate_mean(self) -> float | None:
        return sum(self.candidate_values) / len(self.candidate_values) if self.candidate_values else None

    @property
    def incumbent_mean(self) -> float | None:
        return sum(self.incumbent_values) / len(self.incumbent_values) if self.incumbent_values else None


def window_points(version, metric: MetricDefinition, since_ms: int) -> list[tuple[int, float]]:
    """(timestamp ms, value) of every series of the version for the metric, from `since_ms`, in time order."""
    return list(
        MetricPoint.objects.filter(series__model_version=version, series__metric=metric, timestamp__gte=since_ms)
        .order_by("timestamp")
        .values_list("timestamp", "value")
    )


def compare_versions(*, candidate, incumbent, metric: MetricDefinition, since_ms: int) -> Comparison:
    return compare_values(
        metric=metric,
        a=[v for _, v in window_points(candidate, metric, since_ms)],
        b=[v for _, v in window_points(incumbent, metric, since_ms)],
    )


def compare_values(*, metric: MetricDefinition, a: list[float], b: list[float]) -> Comparison:
    """`a` the candidate's values, `b` the incumbent's."""
    if len(a) < MIN_POINTS or len(b) < MIN_POINTS:
        return Comparison(
            metric,
            a,
            b,
            verdict=f"Not enough data: {len(a)} and {len(b)} points in the window; "
            f"at least {MIN_POINTS} of each are needed.",
        )
    result = stats.ttest_ind(a, b, equal_var=False)
    t, p = float(result.statistic), float(result.pvalue)
    if math.isnan(p):  # both constant: no spread to test against
        same = sum(a) / len(a) == sum(b) / len(b)
        return Comparison(metric, a, b, verdict="Identical values." if same else "Constant but different values.")
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    if p >= SIGNIFICANCE:
        verdict = f"No significant difference (p = {p:.3f}, Welch's t-test, 5% level)."
        return Comparison(metric, a, b, p, t, verdict, None)
    better = (mean_a > mean_b) == metric.higher_is_better
    verdict = (
        f"The candidate is {'better' if better else 'worse'} on {metric.name}: mean {mean_a:.4g} against "
        f"{mean_b:.4g} (p = {p:.3g}, Welch's t-test)."
    )
    return Comparison(metric, a, b, p, t, verdict, better)

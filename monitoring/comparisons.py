"""Comparing two versions on a metric (a canary or shadow with its incumbent, or any two) over a window, with a
verdict in words.

- A proportion (a metric whose unit is "ratio" or "%": error rate, accuracy, precision, recall...) logged beside
  the version's request counts is compared with a two-proportion z-test: each point's rate times the requests
  logged with it (same run, same timestamp) counts successes, summed per version; the pooled proportion gives
  the standard error. A day of 50,000 requests weighs more than a day of 50, which a test on the daily rates
  would ignore.
- Any other metric, or a proportion without request counts, gets Welch's t-test on the points (unequal
  variances: two deployments rarely share one)."""

import math
from dataclasses import dataclass

from scipy import stats

from monitoring.models import MetricDefinition, MetricPoint

SIGNIFICANCE = 0.05
MIN_POINTS = 3
COUNT_METRIC = "requests"  # the catalogue's count of requests served, the trials of a proportion
PROPORTION_UNITS = {"ratio": 1.0, "%": 100.0, "percent": 100.0}
MIN_EVENTS = 5  # the z-test's normal approximation wants at least this many successes and failures per side
WELCH = "Welch's t-test, 5% level"
TWO_PROPORTION = "two-proportion z-test (pooled), 5% level"


@dataclass(frozen=True)
class Comparison:
    metric: MetricDefinition
    candidate_values: list[float]
    incumbent_values: list[float]
    p_value: float | None = None
    t_statistic: float | None = None
    verdict: str = ""
    candidate_better: bool | None = None
    test: str = WELCH
    z_statistic: float | None = None
    # Two-proportion test only: successes and trials (requests) per version.
    candidate_successes: float | None = None
    candidate_trials: float | None = None
    incumbent_successes: float | None = None
    incumbent_trials: float | None = None

    @property
    def candidate_rate(self) -> float | None:
        return self.candidate_successes / self.candidate_trials if self.candidate_trials else None

    @property
    def incumbent_rate(self) -> float | None:
        return self.incumbent_successes / self.incumbent_trials if self.incumbent_trials else None

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


def is_proportion(metric: MetricDefinition) -> bool:
    return metric.unit.strip().lower() in PROPORTION_UNITS and metric.name != COUNT_METRIC


def proportion_counts(version, metric: MetricDefinition, since_ms: int) -> tuple[float, float] | None:
    """(successes, requests) of the version in the window: each rate point times the requests logged with it
    (same run and timestamp), summed. None when no rate point has its request count, or a rate is no
    proportion (outside 0..1 once a percentage is scaled)."""
    scale = PROPORTION_UNITS[metric.unit.strip().lower()]
    window = {"series__model_version": version, "timestamp__gte": since_ms}
    requests = {
        (run_id, at): count
        for run_id, at, count in MetricPoint.objects.filter(series__metric__name=COUNT_METRIC, **window).values_list(
            "series__run_id", "timestamp", "value"
        )
    }
    if not requests:
        return None
    successes = trials = 0.0
    for run_id, at, value in MetricPoint.objects.filter(series__metric=metric, **window).values_list(
        "series__run_id", "timestamp", "value"
    ):
        count = requests.get((run_id, at))
        if count is None or count <= 0:
            continue
        rate = value / scale
        if not 0 <= rate <= 1:
            return None
        successes += rate * count
        trials += count
    return (successes, trials) if trials else None


def compare_versions(*, candidate, incumbent, metric: MetricDefinition, since_ms: int) -> Comparison:
    """The comparison the page and the API show: a two-proportion z-test for a proportion with request counts
    on both sides, Welch's t-test otherwise."""
    a = [v for _, v in window_points(candidate, metric, since_ms)]
    b = [v for _, v in window_points(incumbent, metric, since_ms)]
    if is_proportion(metric):
        counts = proportion_counts(candidate, metric, since_ms), proportion_counts(incumbent, metric, since_ms)
        if counts[0] and counts[1]:
            return compare_proportions(metric=metric, a=a, b=b, candidate=counts[0], incumbent=counts[1])
    return compare_values(metric=metric, a=a, b=b)


def compare_proportions(
    *,
    metric: MetricDefinition,
    candidate: tuple[float, float],
    incumbent: tuple[float, float],
    a: list[float] = (),
    b: list[float] = (),
) -> Comparison:
    """Two-proportion z-test of `candidate` = (successes, trials) against `incumbent`, with the pooled proportion:
    p = (x1 + x2) / (n1 + n2), se = sqrt(p (1 - p) (1/n1 + 1/n2)), z = (x1/n1 - x2/n2) / se, two-sided p-value."""
    (x1, n1), (x2, n2) = candidate, incumbent
    counts = {
        "candidate_successes": x1,
        "candidate_trials": n1,
        "incumbent_successes": x2,
        "incumbent_trials": n2,
        "test": TWO_PROPORTION,
    }
    a, b = list(a), list(b)
    if min(x1, n1 - x1, x2, n2 - x2) < MIN_EVENTS:
        return Comparison(
            metric,
            a,
            b,
            verdict=f"Not enough events: the z-test needs at least {MIN_EVENTS} of each outcome on each side "
            f"({x1:,.0f} of {n1:,.0f} and {x2:,.0f} of {n2:,.0f} requests).",
            **counts,
        )
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p1 - p2) / se
    p = float(2 * stats.norm.sf(abs(z)))
    rates = f"{p1:.3%} of {n1:,.0f} requests against {p2:.3%} of {n2:,.0f}"
    if p >= SIGNIFICANCE:
        verdict = f"No significant difference: {rates} (z = {z:.2f}, p = {p:.3f}, two-proportion z-test, 5% level)."
        return Comparison(metric, a, b, p, None, verdict, None, z_statistic=z, **counts)
    better = (p1 > p2) == metric.higher_is_better
    verdict = (
        f"The candidate is {'better' if better else 'worse'} on {metric.name}: {rates} "
        f"(z = {z:.2f}, p = {p:.3g}, two-proportion z-test)."
    )
    return Comparison(metric, a, b, p, None, verdict, better, z_statistic=z, **counts)


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

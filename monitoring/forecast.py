"""A linear trend fitted by least squares to a monthly series, extended with a prediction interval.

Pure maths (numpy, scipy), no Django: the cost selectors feed it a scope's complete months."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

MIN_HISTORY = 3  # two points always fit a line exactly: no spread, no honest interval
METHOD = (
    "Least-squares linear trend over the complete months of history, extended month by month; the band is the "
    "{level:.0%} prediction interval of a new month (Student's t on the residual spread)."
)


@dataclass(frozen=True)
class Trend:
    """The fitted line (value = intercept + slope × month index) and the forecast months after the history."""

    slope: float
    intercept: float
    residual_sd: float
    predicted: list[float]
    low: list[float]
    high: list[float]


def linear_forecast(values: Sequence[float], *, horizon: int = 6, level: float = 0.9) -> Trend | None:
    """Fit a line to `values` (one per month, oldest first) and predict the next `horizon` months with a
    `level` prediction interval. None with fewer than MIN_HISTORY values."""
    y = np.asarray(values, dtype=float)
    n = len(y)
    if n < MIN_HISTORY or not np.all(np.isfinite(y)):
        return None
    x = np.arange(n, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (intercept + slope * x)
    dof = n - 2
    sd = float(np.sqrt(residuals @ residuals / dof))
    sxx = float(((x - x.mean()) ** 2).sum())
    t = float(stats.t.ppf((1 + level) / 2, dof))
    ahead = np.arange(n, n + horizon, dtype=float)
    predicted = intercept + slope * ahead
    half = t * sd * np.sqrt(1 + 1 / n + (ahead - x.mean()) ** 2 / sxx)
    return Trend(
        slope=float(slope),
        intercept=float(intercept),
        residual_sd=sd,
        predicted=predicted.tolist(),
        low=(predicted - half).tolist(),
        high=(predicted + half).tolist(),
    )

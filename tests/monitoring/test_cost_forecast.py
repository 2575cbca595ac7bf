"""The forecast's maths on a synthetic monthly series with a known trend."""

import numpy as np

from monitoring.forecast import linear_forecast


def test_the_slope_of_a_known_trend_is_recovered_and_the_interval_widens():
    rng = np.random.default_rng(7)
    months = np.arange(18)
    values = 2_000 + 150 * months + rng.normal(0, 40, len(months))
    trend = linear_forecast(values.tolist(), horizon=6, level=0.9)
    assert abs(trend.slope - 150) < 10
    assert abs(trend.intercept - 2_000) < 60
    assert 20 < trend.residual_sd < 60
    # The next month is about where the line goes, and inside its interval.
    assert abs(trend.predicted[0] - (2_000 + 150 * 18)) < 100
    widths = [high - low for low, high in zip(trend.low, trend.high, strict=True)]
    assert all(low < mid < high for low, mid, high in zip(trend.low, trend.predicted, trend.high, strict=True))
    assert all(a < b for a, b in zip(widths, widths[1:], strict=False)), "the band widens month by month"


def test_the_interval_covers_about_its_level_of_new_months():
    rng = np.random.default_rng(11)
    inside = 0
    for _ in range(300):
        series = 500 + 20 * np.arange(13) + rng.normal(0, 30, 13)
        trend = linear_forecast(series[:12].tolist(), horizon=1, level=0.9)
        inside += trend.low[0] <= series[12] <= trend.high[0]
    assert 0.84 <= inside / 300 <= 0.96


def test_fewer_than_three_months_give_no_forecast():
    assert linear_forecast([100.0, 120.0]) is None
    assert linear_forecast([]) is None
    assert linear_forecast([100.0, float("nan"), 120.0, 130.0]) is None
    assert abs(linear_forecast([100.0, 110.0, 120.0]).slope - 10.0) < 1e-9


def test_a_perfect_line_has_no_spread():
    trend = linear_forecast([10.0, 20.0, 30.0, 40.0], horizon=2)
    assert np.allclose(trend.predicted, [50.0, 60.0])
    assert np.allclose(trend.low, trend.predicted) and np.allclose(trend.high, trend.predicted)

"""Comparing a candidate with its incumbent on a metric: Welch's t-test, the verdict, the page."""

import math
from datetime import UTC, datetime

import pytest
import time_machine
from scipy import stats

from monitoring.comparisons import compare_proportions, compare_values
from monitoring.models import MetricDefinition
from tests.monitoring.factories import series_of, store, version_of

pytestmark = pytest.mark.django_db


def test_a_clearly_lower_psi_makes_the_candidate_better_with_welchs_p_value():
    psi = MetricDefinition.objects.get(name="psi")  # lower is better
    candidate, incumbent = [0.05, 0.06, 0.05, 0.07, 0.06], [0.21, 0.19, 0.24, 0.22, 0.2]
    result = compare_values(metric=psi, a=candidate, b=incumbent)
    expected = stats.ttest_ind(candidate, incumbent, equal_var=False).pvalue
    assert result.candidate_better is True and result.p_value == pytest.approx(expected)
    assert result.verdict.startswith("The candidate is better on psi: mean 0.058 against 0.212")


def test_noise_is_no_verdict_and_too_few_points_say_so():
    auc = MetricDefinition.objects.get(name="auc")
    noisy = compare_values(metric=auc, a=[0.80, 0.90, 0.85, 0.88], b=[0.86, 0.82, 0.89, 0.84])
    assert noisy.candidate_better is None and noisy.verdict.startswith("No significant difference (p = ")
    few = compare_values(metric=auc, a=[0.9, 0.91], b=[0.8, 0.81, 0.82])
    assert few.verdict == "Not enough data: 2 and 3 points in the window; at least 3 of each are needed."


def test_the_page_compares_a_canary_with_production_by_default(client, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    production = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="fraud", confidential=True)
    from lifecycle import services as lifecycle

    canary = lifecycle.model_version_register(actor=ds, model=production.model, version="2", mlflow_run_id="run-c")
    store(series_of(production, "latency_p95_ms"), [120, 125, 118, 130, 122], start=-5)
    store(series_of(canary, "latency_p95_ms"), [300, 310, 305, 298, 320], start=-5)
    client.force_login(ds)
    page = client.get(f"/monitoring/versions/{canary.pk}/compare/", {"metric": "latency_p95_ms", "days": "3650"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "The candidate is worse on latency_p95_ms" in body and "v1 (production)" in body
    outsider = make_user("corp", "data_scientist", units=(units["CORP"],))
    client.force_login(outsider)
    assert client.get(f"/monitoring/versions/{canary.pk}/compare/").status_code == 404  # confidential elsewhere


def test_the_api_gives_the_same_test_and_hides_other_units_versions(api, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    production = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="fraud", confidential=True)
    from lifecycle import services as lifecycle

    canary = lifecycle.model_version_register(actor=ds, model=production.model, version="2", mlflow_run_id="run-c")
    old, new = [120, 125, 118, 130, 122], [300, 310, 305, 298, 320]
    store(series_of(production, "latency_p95_ms"), old, start=-5)
    store(series_of(canary, "latency_p95_ms"), new, start=-5)
    query = {"candidate": canary.pk, "incumbent": production.pk, "metric": "latency_p95_ms", "days": 30}
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=UTC)):  # the points sit around T0
        response = api(ds).get("/api/v1/comparisons/", query)
    answer = response.json()
    assert response.status_code == 200, answer
    assert answer["candidate_better"] is False and answer["candidate_points"] == 5
    assert answer["p_value"] == pytest.approx(stats.ttest_ind(new, old, equal_var=False).pvalue)
    assert answer["verdict"].startswith("The candidate is worse on latency_p95_ms")
    bad = api(ds).get("/api/v1/comparisons/", {**query, "metric": "nonsense"})
    assert bad.status_code == 400 and "nonsense" in bad.json()["detail"]
    outsider = make_user("corp", "data_scientist", units=(units["CORP"],))
    assert api(outsider).get("/api/v1/comparisons/", query).status_code == 404


# --- Proportions: the two-proportion z-test ----------------------------------------------------------------


def test_two_proportion_z_test_against_the_hand_computation():
    """45 errors in 500 requests against 30 in 500. By hand: p1 = 0.09, p2 = 0.06, pooled p = 75/1000 = 0.075,
    se = sqrt(0.075 × 0.925 × (1/500 + 1/500)) = sqrt(0.0002775) = 0.016658, z = 0.03 / 0.016658 = 1.8009;
    the normal table gives Φ(1.80) = 0.9641, so the two-sided p = 2 × 0.0359 ≈ 0.0718: not significant at 5 %."""
    error_rate = MetricDefinition.objects.get(name="error_rate")  # lower is better
    result = compare_proportions(metric=error_rate, candidate=(45, 500), incumbent=(30, 500))
    assert result.z_statistic == pytest.approx(1.8009, abs=1e-4)
    assert result.p_value == pytest.approx(0.0718, abs=2e-4)
    assert (result.candidate_rate, result.incumbent_rate) == (0.09, 0.06)
    assert result.candidate_better is None and result.verdict.startswith("No significant difference: 9.000% of 500")
    assert result.test.startswith("two-proportion z-test")
    # Twenty times the traffic, 1.2 % against 0.8 %: pooled p = 0.01, se = sqrt(0.01 × 0.99 × 2/10000) = 0.0014071,
    # z = 0.004 / 0.0014071 = 2.8427, p = 2 × (1 − Φ(2.84)) = 2 × 0.00226 ≈ 0.0045: the candidate errs more.
    worse = compare_proportions(metric=error_rate, candidate=(120, 10_000), incumbent=(80, 10_000))
    assert worse.z_statistic == pytest.approx(2.8427, abs=1e-4) and worse.p_value == pytest.approx(0.0045, abs=1e-4)
    assert worse.candidate_better is False
    assert worse.verdict.startswith("The candidate is worse on error_rate: 1.200% of 10,000 requests against 0.800%")
    few = compare_proportions(metric=error_rate, candidate=(2, 400), incumbent=(9, 400))
    assert few.p_value is None and few.verdict.startswith("Not enough events: the z-test needs at least 5")


def test_a_rate_is_weighted_by_the_requests_logged_with_it_and_the_api_says_which_test(api, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    production = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="fraud")
    from lifecycle import services as lifecycle

    canary = lifecycle.model_version_register(actor=ds, model=production.model, version="2", mlflow_run_id="run-c")
    # The canary: 2 % of 1,000 then 1 % of 9,000 requests = 20 + 90 = 110 errors in 10,000 (1.1 %, not the 1.5 %
    # mean of its daily rates); production: 0.8 % of 10,000 = 80 errors.
    store(series_of(canary, "error_rate"), [0.02, 0.01], start=-2)
    store(series_of(canary, "requests"), [1_000, 9_000], start=-2)
    store(series_of(production, "error_rate"), [0.008, 0.008], start=-2)
    store(series_of(production, "requests"), [5_000, 5_000], start=-2)
    query = {"candidate": canary.pk, "incumbent": production.pk, "metric": "error_rate", "days": 30}
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=UTC)):
        answer = api(ds).get("/api/v1/comparisons/", query).json()
    pooled = 190 / 20_000
    z = (0.011 - 0.008) / math.sqrt(pooled * (1 - pooled) * (2 / 10_000))
    assert answer["test"].startswith("two-proportion z-test") and answer["t_statistic"] is None
    assert answer["candidate_requests"] == 10_000 and answer["candidate_rate"] == pytest.approx(0.011)
    assert answer["incumbent_rate"] == pytest.approx(0.008)
    assert answer["z_statistic"] == pytest.approx(z) and answer["p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert answer["candidate_better"] is False and "two-proportion z-test" in answer["verdict"]
    # Latency is no proportion: Welch's t-test, as before.
    store(series_of(canary, "latency_p95_ms"), [120, 125, 118], start=-3)
    store(series_of(production, "latency_p95_ms"), [121, 119, 130], start=-3)
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=UTC)):
        welch = api(ds).get("/api/v1/comparisons/", {**query, "metric": "latency_p95_ms"}).json()
    assert welch["test"] == "Welch's t-test, 5% level" and welch["z_statistic"] is None


def test_a_proportion_without_request_counts_falls_back_to_welch(client, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    production = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="fraud")
    from lifecycle import services as lifecycle

    canary = lifecycle.model_version_register(actor=ds, model=production.model, version="2", mlflow_run_id="run-c")
    store(series_of(canary, "accuracy"), [0.91, 0.92, 0.9], start=-3)
    store(series_of(production, "accuracy"), [0.8, 0.81, 0.79], start=-3)
    client.force_login(ds)
    page = client.get(f"/monitoring/versions/{canary.pk}/compare/", {"metric": "accuracy", "days": "3650"})
    body = page.content.decode()
    assert "The candidate is better on accuracy" in body and "Welch&#x27;s t-test, 5% level: t = " in body

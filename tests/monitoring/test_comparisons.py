"""Comparing a candidate with its incumbent on a metric: Welch's t-test, the verdict, the page."""

from datetime import UTC, datetime

import pytest
import time_machine
from scipy import stats

from monitoring.comparisons import compare_values
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

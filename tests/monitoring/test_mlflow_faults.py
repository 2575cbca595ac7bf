"""MLflow as an untrusted remote: faults a real server cannot be made to produce, from a local stub."""

import socket
import time

import pytest

from core.seeding import seeding_bypass
from lifecycle import mlflow_client
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.models import MetricPoint
from monitoring.sync import metrics_sync
from portfolio import services as portfolio
from tests.monitoring.stub_mlflow import BULK_HISTORY, EXPERIMENTS, HISTORY, RUN, RUNS_SEARCH, Stub, ok

POINT = {"key": "auc", "value": 0.9, "step": 1, "timestamp": 1_700_000_000_000}


def test_a_503_is_retried_then_the_answer_is_used(stub, sleeps):
    stub.routes[HISTORY] = [(503, {}, {}), ok({"metrics": [POINT]})]
    history = mlflow_client.metric_history("r1", "auc")
    assert history.points == [(1, 1_700_000_000_000, 0.9)] and stub.hits(HISTORY) == 2
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 8


def test_a_429_waits_as_long_as_retry_after_says_capped(stub, sleeps):
    stub.routes[HISTORY] = [(429, {}, {"Retry-After": "3"}), (429, {}, {"Retry-After": "3600"}), ok({"metrics": []})]
    mlflow_client.metric_history("r1", "auc")
    assert sleeps == [3.0, mlflow_client.RETRY_AFTER_CAP] and stub.hits(HISTORY) == 3


def test_retries_are_bounded_and_then_the_call_fails(stub, sleeps, settings):
    settings.MLFLOW_READ_RETRIES = 4
    stub.routes[HISTORY] = [(500, {}, {})]
    with pytest.raises(mlflow_client.MlflowUnavailable):
        mlflow_client.metric_history("r1", "auc")
    assert stub.hits(HISTORY) == 5  # 1 + 4 retries, never more


def test_a_redirect_to_another_host_is_not_followed(stub, sleeps):
    elsewhere = Stub()
    try:
        stub.routes[HISTORY] = [(302, {}, {"Location": f"{elsewhere.url}{HISTORY}?run_id=r1&metric_key=auc"})]
        with pytest.raises(mlflow_client.MlflowUnavailable, match="redirect"):
            mlflow_client.metric_history("r1", "auc")
        assert elsewhere.requests == [] and stub.hits(HISTORY) == 1
    finally:
        elsewhere.close()


def test_invalid_points_are_skipped_and_counted():
    raw = [
        POINT,
        {**POINT, "value": "NaN", "step": 2},
        {**POINT, "value": 1.7976931348623157e308, "step": 3},  # MLflow's stored "Infinity"
        {**POINT, "step": "two"},
        {**POINT, "step": 2**63},
        {**POINT, "timestamp": None},
        {**POINT, "value": True},
        {**POINT, "step": "4"},  # int64 as a string of digits, as proto3 JSON may send it
    ]
    checked = [mlflow_client.checked_point(p) for p in raw]
    assert checked == [(1, POINT["timestamp"], 0.9), None, None, None, None, None, None, (4, POINT["timestamp"], 0.9)]


def test_a_page_token_loop_stops(stub):
    stub.routes[HISTORY] = [ok({"metrics": [POINT], "next_page_token": "same"})]
    history = mlflow_client.metric_history("r1", "auc")
    assert stub.hits(HISTORY) == 2 and "loop" in history.problems[0]
    assert history.points == [(1, POINT["timestamp"], 0.9)] * 2  # stored once: the key is unique


def test_the_page_count_is_bounded(stub, settings):
    settings.MLFLOW_HISTORY_MAX_PAGES = 3
    stub.routes[HISTORY] = [ok({"metrics": [POINT], "next_page_token": str(n)}) for n in range(10)]
    history = mlflow_client.metric_history("r1", "auc")
    assert stub.hits(HISTORY) == 3 and "more than 3 pages" in history.problems[0]


@pytest.fixture
def silent_server(settings):
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        settings.MLFLOW_TRACKING_URI = f"http://127.0.0.1:{sock.getsockname()[1]}"
        settings.MLFLOW_READ_TIMEOUT = 0.2
        settings.MLFLOW_CALL_DEADLINE = 0.5
        yield


def test_a_server_that_never_answers_times_out_and_opens_the_circuit(silent_server, sleeps, settings):
    settings.MLFLOW_BREAKER_THRESHOLD = 3
    for _ in range(3):
        with pytest.raises(mlflow_client.MlflowUnavailable):
            mlflow_client.metric_history("r1", "auc")
    assert mlflow_client.breaker.is_open
    with pytest.raises(mlflow_client.MlflowCircuitOpen):
        mlflow_client.metric_history("r1", "auc")


def test_after_the_cool_down_one_probe_closes_the_circuit(stub, sleeps, settings):
    settings.MLFLOW_BREAKER_THRESHOLD = 2
    settings.MLFLOW_READ_RETRIES = 0
    stub.routes[HISTORY] = [(503, {}, {}), (503, {}, {}), ok({"metrics": [POINT]})]
    for _ in range(2):
        with pytest.raises(mlflow_client.MlflowUnavailable):
            mlflow_client.metric_history("r1", "auc")
    with pytest.raises(mlflow_client.MlflowCircuitOpen):
        mlflow_client.metric_history("r1", "auc")
    assert stub.hits(HISTORY) == 2  # refused without asking MLflow
    settings.MLFLOW_BREAKER_COOLDOWN = 0
    assert mlflow_client.metric_history("r1", "auc").points and not mlflow_client.breaker.is_open


def test_the_probe_after_the_cool_down_is_one_request(stub, sleeps, settings):
    """Half-open, the breaker lets one request through, not a call and its retries: a dead MLflow sees one
    request per cool-down."""
    settings.MLFLOW_BREAKER_THRESHOLD = 1
    stub.routes[HISTORY] = [(503, {}, {})]
    with pytest.raises(mlflow_client.MlflowUnavailable):
        mlflow_client.metric_history("r1", "auc")
    assert stub.hits(HISTORY) == 5 and mlflow_client.breaker.is_open  # a call: the request and 4 retries
    settings.MLFLOW_BREAKER_COOLDOWN = 0
    with pytest.raises(mlflow_client.MlflowUnavailable):
        mlflow_client.metric_history("r1", "auc")
    assert stub.hits(HISTORY) == 6 and mlflow_client.breaker.is_open


@pytest.fixture
def version(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    model = lifecycle.model_register(actor=ds, name="fraud", use_case=use_case)
    version = lifecycle.model_version_register(actor=ds, model=model, version="1", mlflow_run_id="r1")
    with seeding_bypass():
        ModelVersion.objects.filter(pk=version.pk).update(stage=Stage.PRODUCTION)
    return version


def test_the_sync_stores_only_valid_points_and_counts_the_others(stub, version):
    stub.routes[EXPERIMENTS] = [ok({"experiments": [{"experiment_id": "0"}]})]
    stub.routes[RUNS_SEARCH] = [ok({"runs": []})]
    stub.routes[RUN] = [ok({"run": {"info": {"run_id": "r1"}, "data": {"metrics": [{**POINT, "step": 9}]}}})]
    stub.routes[HISTORY] = [
        ok({"metrics": [POINT, {**POINT, "step": 2, "value": "NaN"}, {**POINT, "step": "x"}, {**POINT, "step": 9}]})
    ]
    sync_run = metrics_sync()
    assert sync_run.points_inserted == 2 and sync_run.points_skipped == 2 and sync_run.status == "partial"
    assert sorted(MetricPoint.objects.values_list("step", flat=True)) == [1, 9]
    assert "2 invalid point(s) of auc skipped" in sync_run.errors[0]


def test_mlflow_failing_mid_sync_keeps_what_was_committed(stub, version, sleeps, settings):
    settings.MLFLOW_READ_RETRIES = 0
    second = lifecycle.model_version_register(
        actor=version.model.owners.get(), model=version.model, version="2", mlflow_run_id="r2"
    )
    with seeding_bypass():
        ModelVersion.objects.filter(pk=second.pk).update(stage=Stage.STAGING)
    runs = [{"info": {"run_id": r}, "data": {"metrics": [POINT]}} for r in ("r1", "r2")]
    stub.routes[EXPERIMENTS] = [ok({"experiments": [{"experiment_id": "0"}]})]
    stub.routes[RUNS_SEARCH] = [ok({"runs": runs})]
    stub.routes[HISTORY] = [ok({"metrics": [POINT]}), (503, {}, {})]  # the first version's read, then down
    sync_run = metrics_sync()
    assert sync_run.status == "partial" and sync_run.versions_done == 2
    assert "MLflow unreachable (version" in sync_run.errors[0]
    assert list(MetricPoint.objects.values_list("series__model_version", flat=True)) == [version.pk]

    stub.routes[HISTORY] = [ok({"metrics": [POINT]})]  # back: the next sync takes only what is missing
    again = metrics_sync()
    assert again.status == "succeeded" and again.points_inserted == 1 and MetricPoint.objects.count() == 2


def test_a_resync_with_nothing_new_reads_no_history(stub, version):
    """Counted at the server: the run searches say nothing changed, so no history is read again."""
    runs = [{"info": {"run_id": "r1"}, "data": {"metrics": [POINT]}}]
    stub.routes[EXPERIMENTS] = [ok({"experiments": [{"experiment_id": "0"}]})]
    stub.routes[RUNS_SEARCH] = [ok({"runs": runs})]
    stub.routes[HISTORY] = [ok({"metrics": [POINT]})]
    assert metrics_sync().points_inserted == 1 and stub.hits(HISTORY) == 1
    again = metrics_sync()
    assert again.status == "succeeded" and again.versions_done == 1 and stub.hits(HISTORY) == 1
    assert stub.hits(RUN) == 0  # the training run came from the search, not one read per run


def test_a_refused_latest_value_is_not_read_again(stub, version):
    """A NaN as the run's latest value: the watermark passes it, so the next sync reads no history."""
    nan = {**POINT, "step": 2, "value": "NaN"}
    stub.routes[EXPERIMENTS] = [ok({"experiments": [{"experiment_id": "0"}]})]
    stub.routes[RUNS_SEARCH] = [ok({"runs": [{"info": {"run_id": "r1"}, "data": {"metrics": [nan]}}]})]
    stub.routes[HISTORY] = [ok({"metrics": [POINT, nan]})]
    first = metrics_sync()
    assert (first.points_inserted, first.points_skipped, stub.hits(HISTORY)) == (1, 1, 1)
    again = metrics_sync()
    assert again.status == "succeeded" and again.points_skipped == 0 and stub.hits(HISTORY) == 1


@pytest.fixture
def trickling_server(settings):
    """A server that sends its answer one byte every 50 ms: each byte beats the read timeout."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Trickle(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the client gave up, as it should

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.MLFLOW_TRACKING_URI = f"http://127.0.0.1:{server.server_address[1]}"
    settings.MLFLOW_READ_TIMEOUT = 1
    settings.MLFLOW_CALL_DEADLINE = 0.6
    yield
    server.shutdown()
    server.server_close()


def test_a_trickling_answer_cannot_outlast_the_deadline(trickling_server):
    with pytest.raises(mlflow_client.MlflowUnavailable, match="deadline"):
        mlflow_client.metric_history("r1", "auc")


def test_an_oversized_answer_is_not_read(stub, settings):
    settings.MLFLOW_MAX_ANSWER_BYTES = 1000
    stub.routes[HISTORY] = [ok({"metrics": [POINT] * 100})]
    with pytest.raises(mlflow_client.MlflowUnavailable, match="larger than 1000 bytes"):
        mlflow_client.metric_history("r1", "auc")


def _one_run(stub, metrics=(POINT,)):
    stub.routes[EXPERIMENTS] = [ok({"experiments": [{"experiment_id": "0"}]})]
    stub.routes[RUNS_SEARCH] = [ok({"runs": [{"info": {"run_id": "r1"}, "data": {"metrics": list(metrics)}}]})]


def test_histories_come_in_bulk_when_mlflow_serves_them(stub, version):
    """Many runs per request through MLflow's bulk endpoint; a point of a run not asked for is not stored."""
    _one_run(stub, [{**POINT, "step": 2}])
    stub.routes[BULK_HISTORY] = [
        ok({"metrics": [{**POINT, "run_id": "r1"}, {**POINT, "step": 2, "run_id": "r1"}, {**POINT, "run_id": "r9"}]})
    ]
    sync_run = metrics_sync()
    assert sync_run.status == "succeeded" and sync_run.points_inserted == 2
    assert stub.hits(BULK_HISTORY) == 1 and stub.hits(HISTORY) == 0
    asked = next(params for _, path, params in stub.requests if path == BULK_HISTORY)
    assert asked["run_id"] == ["r1"] and asked["metric_key"] == ["auc"]


def test_without_the_bulk_endpoint_each_history_is_read_alone(stub, version, settings):
    _one_run(stub)
    stub.routes[HISTORY] = [ok({"metrics": [POINT]})]
    assert metrics_sync().points_inserted == 1  # the stub has no bulk endpoint: 404, then per-run reads
    assert stub.hits(BULK_HISTORY) == 1 and stub.hits(HISTORY) == 1

    settings.MLFLOW_BULK_HISTORY = False  # switched off: not even asked
    _one_run(stub, [{**POINT, "step": 3}])
    stub.routes[HISTORY] = [ok({"metrics": [{**POINT, "step": 3}]})]
    assert metrics_sync().points_inserted == 1 and stub.hits(BULK_HISTORY) == 1


def test_a_bulk_answer_that_may_be_cut_is_not_trusted(stub, version, monkeypatch):
    monkeypatch.setattr(mlflow_client, "BULK_MAX_RESULTS", 2)
    _one_run(stub, [{**POINT, "step": 2}])
    stub.routes[BULK_HISTORY] = [ok({"metrics": [{**POINT, "run_id": "r1"}, {**POINT, "step": 2, "run_id": "r1"}]})]
    stub.routes[HISTORY] = [ok({"metrics": [POINT, {**POINT, "step": 2}]})]
    assert metrics_sync().points_inserted == 2
    assert stub.hits(HISTORY) == 1  # read again, whole, through the per-run endpoint

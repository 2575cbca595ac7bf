"""A tiny HTTP server on 127.0.0.1 that answers like MLflow, or misbehaves on purpose: only for faults a
real MLflow server cannot be made to produce (5xx bursts, 429, redirects, broken values, token loops)."""

import json
import random
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

RESET = 0  # an answer's status that resets the connection instead of answering


class Stub:
    """`routes` maps a path (e.g. /api/2.0/mlflow/metrics/get-history) to a list of answers, served in order
    (the last one repeats). An answer is (status, body dict or text, headers dict); a Content-Length header
    longer than the body cuts the answer short. Every request is logged. `answer(method, path, params)`, when
    given, answers instead of the routes."""

    def __init__(self, answer=None) -> None:
        self.routes: dict[str, list[tuple[int, dict, dict]]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                params = {**parse_qs(parsed.query), **body}
                stub.requests.append((self.command, parsed.path, params))
                status, payload, headers = (answer or stub._routed)(self.command, parsed.path, params)
                if status == RESET:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", "Content-Length": len(data), **headers}.items():
                    self.send_header(key, str(value))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _routed(self, method: str, path: str, params: dict) -> tuple[int, dict, dict]:
        answers = self.routes.get(path) or [(404, {"error_code": "RESOURCE_DOES_NOT_EXIST"}, {})]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


HISTORY = "/api/2.0/mlflow/metrics/get-history"
RUN = "/api/2.0/mlflow/runs/get"
EXPERIMENTS = "/api/2.0/mlflow/experiments/search"
RUNS_SEARCH = "/api/2.0/mlflow/runs/search"


def ok(body: dict, headers: dict | None = None) -> tuple[int, dict, dict]:
    return 200, body, headers or {}


BULK_HISTORY = "/ajax-api/2.0/mlflow/metrics/get-history-bulk"


# --- A seeded MLflow failing at random (RELIABILITY T18's nightly run) -------------------------------

DAY_MS = 86_400_000
T0_MS = 1_767_225_600_000
FAULTS = ("500", "502", "503", "504", "429", "reset", "cut", "invalid_json", "slow", "restart")
RESTART = 5  # a restart answers 503 to this many requests in a row: as many as a call may make


def _broken(rng: random.Random, step: int, timestamp: int) -> dict:
    """A schema-violating point: NaN or infinite value, a step that is not an integer or overflows int64."""
    return rng.choice(
        (
            {"value": float("nan"), "step": step, "timestamp": timestamp},
            {"value": float("inf"), "step": step, "timestamp": timestamp},
            {"value": "NaN", "step": step, "timestamp": timestamp},
            {"value": 0.5, "step": f"step {step}", "timestamp": timestamp},
            {"value": 0.5, "step": 2**63 + step, "timestamp": timestamp},
        )
    )


@dataclass
class Request:
    method: str
    path: str
    key: str  # method, path and parameters: a retry repeats them
    epoch: int  # see SeededMlflow.mark
    arrived: float  # time.monotonic(), shared by every process of the machine
    fault: str | None = None
    failed: bool = False
    answered: float = 0.0
    invalid: int = 0  # schema-violating points in a good answer


class SeededMlflow:
    """MLflow serving a seeded ground truth: runs of one experiment, each logging `metrics` (history, bulk
    history, runs/get, runs/search by run id, experiments/search). A few schema-violating points lie among
    the good ones (never last: a run's latest value is its last valid point). At `fault_rate` (random with
    `seed`) an answer is replaced by a fault of FAULTS (a restart fails the next requests too, as real failures come in
    bursts); during an `outage` every answer is 503. Each request is
    logged with its outcome, so that its logical call (the request and its retries) is known at the server."""

    def __init__(self, *, seed: int, metrics: tuple[str, ...], retry_after: int = 1) -> None:
        self.metrics, self.retry_after = metrics, retry_after
        self.data, self.faults = random.Random(seed), random.Random(seed + 1)
        self.fault_rate, self.outage, self.epoch, self.down = 0.0, False, 0, 0
        self.histories: dict[tuple[str, str], list[tuple[dict, bool]]] = {}  # (raw point, valid)
        self.log: list[Request] = []
        self.lock = threading.Lock()
        self.stub = Stub(answer=self.answer)
        self.url = self.stub.url

    def close(self) -> None:
        self.stub.close()

    def log_points(self, run_id: str, count: int, *, broken_rate: float = 0.01) -> None:
        """The run logs `count` more steps of each metric (one a day), a few broken points among them."""
        with self.lock:
            for key in self.metrics:
                history = self.histories.setdefault((run_id, key), [])
                first = sum(valid for _, valid in history)
                for step in range(first, first + count):
                    if step and self.data.random() < broken_rate:
                        history.append((_broken(self.data, step - 1, T0_MS + (step - 1) * DAY_MS + 1), False))
                    history.append(
                        ({"value": self.data.random(), "step": step, "timestamp": T0_MS + step * DAY_MS}, True)
                    )

    def truth(self) -> dict[str, set[tuple[str, int, int, float]]]:
        """The valid points of each run: (metric, step, timestamp, value)."""
        found: dict[str, set] = {}
        for (run_id, key), history in self.histories.items():
            found.setdefault(run_id, set()).update(
                (key, p["step"], p["timestamp"], p["value"]) for p, valid in history if valid
            )
        return found

    def broken(self) -> int:
        return sum(not valid for history in self.histories.values() for _, valid in history)

    def mark(self) -> None:
        """A new sync starts: a request repeating the last one of the sync before is a new call, not a retry."""
        with self.lock:
            self.epoch += 1

    def calls(self, since: int = 0) -> list[list[Request]]:
        """The logged requests (from `since`) in logical calls: a request repeating the one before it, which
        failed, in the same epoch, is its retry (the solo worker's requests come one after the other)."""
        calls: list[list[Request]] = []
        for request in self.log[since:]:
            last = calls[-1][-1] if calls else None
            if last and last.failed and (last.key, last.epoch) == (request.key, request.epoch):
                calls[-1].append(request)
            else:
                calls.append([request])
        return calls

    def answer(self, method: str, path: str, params: dict) -> tuple[int, dict | str, dict]:
        with self.lock:
            request = Request(
                method, path, json.dumps([method, path, params], sort_keys=True), self.epoch, time.monotonic()
            )
            self.log.append(request)
            if self.outage:
                request.fault = "503"
            elif self.down:
                request.fault, self.down = "restart", self.down - 1
            elif self.faults.random() < self.fault_rate:
                request.fault = self.faults.choice(FAULTS)
                self.down = RESTART - 1 if request.fault == "restart" else 0
            delay = self.faults.uniform(0.5, 2.0) if request.fault == "slow" else 0
            status, payload, invalid = self._serve(path, params)
        time.sleep(delay)  # slow, within the client's read timeout
        request.failed = request.fault not in (None, "slow") or status >= 500
        answer = self._fault(request.fault, payload) if request.failed else (status, payload, {})
        request.invalid = 0 if request.failed else invalid
        request.answered = time.monotonic()
        return answer

    def _fault(self, fault: str, payload) -> tuple[int, dict | str, dict]:
        text = json.dumps(payload)
        return (
            {
                "502": (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"}),
                "429": (429, {"error_code": "REQUEST_LIMIT_EXCEEDED"}, {"Retry-After": str(self.retry_after)}),
                "restart": (503, {"error_code": "TEMPORARILY_UNAVAILABLE"}, {}),
                "reset": (RESET, {}, {}),
                "cut": (200, text[: len(text) // 2], {"Content-Length": len(text)}),  # the connection closes early
                "invalid_json": (200, text[: len(text) // 2], {}),
            }.get(fault)
            or (int(fault), {"error_code": "INTERNAL_ERROR", "message": "injected"}, {})
        )

    def _serve(self, path: str, params: dict) -> tuple[int, dict, int]:
        """The right answer, and how many schema-violating points it holds."""
        one = lambda name, default=None: (params.get(name) or [default])[0]  # noqa: E731 (query values are lists)
        if path == EXPERIMENTS:
            return 200, {"experiments": [{"experiment_id": "1", "name": "chaos"}]}, 0
        if path == RUNS_SEARCH:
            asked = (
                re.findall(r"'([^']*)'", params.get("filter", "")) if "run_id IN" in params.get("filter", "") else []
            )
            return 200, {"runs": [self._run(r) for r in asked if (r, self.metrics[0]) in self.histories]}, 0
        if path == RUN:
            if (one("run_id"), self.metrics[0]) not in self.histories:
                return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST"}, 0
            return 200, {"run": self._run(one("run_id"))}, 0
        if path == HISTORY:
            history = self.histories.get((one("run_id"), one("metric_key")), [])
            start, size = int(one("page_token", 0)), int(one("max_results", len(history) or 1))
            page = history[start : start + size]
            token = {"next_page_token": str(start + size)} if start + size < len(history) else {}
            return 200, {"metrics": [{**p, "key": one("metric_key")} for p, _ in page], **token}, _invalid(page)
        if path == BULK_HISTORY:  # as MLflow's handler: runs in order, at most 25,000 points in all
            key, most = one("metric_key"), min(int(one("max_results", 25000)), 25000)
            points = [
                (p, run_id, v)
                for run_id in sorted(params.get("run_id", []))
                for p, v in self.histories.get((run_id, key), [])
            ]
            metrics = [{**p, "key": key, "run_id": run_id} for p, run_id, _ in points[:most]]
            return 200, {"metrics": metrics}, _invalid([(p, v) for p, _, v in points[:most]])
        return 404, {"error_code": "ENDPOINT_NOT_FOUND"}, 0

    def _run(self, run_id: str) -> dict:
        latest = [
            {"key": key, **next(p for p, valid in reversed(self.histories[(run_id, key)]) if valid)}
            for key in self.metrics
            if self.histories.get((run_id, key))
        ]
        return {"info": {"run_id": run_id, "experiment_id": "1", "status": "RUNNING"}, "data": {"metrics": latest}}


def _invalid(points: list[tuple[dict, bool]]) -> int:
    return sum(not valid for _, valid in points)

"""A tiny HTTP server on 127.0.0.1 that answers like MLflow, or misbehaves on purpose: only for faults a
real MLflow server cannot be made to produce (5xx bursts, 429, redirects, broken values, token loops)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Stub:
    """`routes` maps a path (e.g. /api/2.0/mlflow/metrics/get-history) to a list of answers, served in order
    (the last one repeats). An answer is (status, body dict, headers dict). Every request is logged."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict, dict]]] = {}
        self.requests: list[tuple[str, str, dict]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                stub.requests.append((self.command, parsed.path, {**parse_qs(parsed.query), **body}))
                answers = stub.routes.get(parsed.path) or [(404, {"error_code": "RESOURCE_DOES_NOT_EXIST"}, {})]
                status, payload, headers = answers.pop(0) if len(answers) > 1 else answers[0]
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

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

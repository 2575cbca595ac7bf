"""Real external services for the integration tests. The MLflow server is the full `mlflow` package,
run from its own virtualenv (`make` creates `.venv-mlflow`) on a SQLite file, in the lean setup."""

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MLFLOW_BIN = ROOT / ".venv-mlflow" / "bin" / "mlflow"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory):
    """URL of a fresh MLflow tracking server, started once per test session."""
    assert MLFLOW_BIN.exists(), "MLflow server missing: run `make test` (it creates .venv-mlflow)."
    home = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    env = {
        **os.environ,
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    log = (home / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(MLFLOW_BIN),
            "server",
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--default-artifact-root",
            str(home / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None:
            pytest.fail(f"MLflow server exited: {(home / 'server.log').read_text()[-2000:]}")
        time.sleep(0.25)
    else:
        process.kill()
        pytest.fail("MLflow server did not become healthy within 120 s")
    yield url
    os.killpg(process.pid, 15)
    process.wait(timeout=30)
    log.close()


@pytest.fixture(autouse=True)
def _closed_mlflow_breaker():
    """Each test starts with MLflow's circuit breaker closed (its state is per process)."""
    from core import mlflow_client

    mlflow_client.breaker.reset()
    yield
    mlflow_client.breaker.reset()

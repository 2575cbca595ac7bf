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
        # The tests' own Lodestar listens on loopback over plain HTTP: let MLflow's webhooks reach it.
        "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true",
        "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
        "MLFLOW_WEBHOOK_CACHE_TTL": "1",  # a webhook the test creates is used at once
        # One key for every server worker, or a secret stored by one cannot be read by the other.
        "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": "qAaAhWe6imuYDv-ViSdw2kvzTpINI8iX8IyRvynVcB0=",
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


def mlflow_post(server: str, path: str, body: dict) -> dict:
    """Fill the MLflow server through its REST API, as an ML pipeline would."""
    response = requests.post(f"{server}/api/2.0/mlflow/{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def mlflow_registered_version(server: str, name: str, *, model_tags: dict | None = None) -> str:
    """A version of `name` (the registered model is created on first use, with `model_tags`); returns it."""
    existing = requests.get(f"{server}/api/2.0/mlflow/registered-models/get", params={"name": name}, timeout=30)
    if existing.status_code != 200:
        tags = [{"key": k, "value": v} for k, v in (model_tags or {}).items()]
        mlflow_post(server, "registered-models/create", {"name": name, "tags": tags})
    created = mlflow_post(server, "model-versions/create", {"name": name, "source": f"s3://artifacts/{name}"})
    return created["model_version"]["version"]


@pytest.fixture(autouse=True)
def _closed_mlflow_breaker():
    """Each test starts with MLflow's circuit breaker closed (its state is per process)."""
    from lifecycle import mlflow_client

    mlflow_client.breaker.reset()
    yield
    mlflow_client.breaker.reset()

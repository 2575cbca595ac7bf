import pytest

from core import mlflow_client
from tests.monitoring.stub_mlflow import Stub


@pytest.fixture(autouse=True)
def _closed_mlflow_breaker():
    mlflow_client.breaker.reset()
    yield
    mlflow_client.breaker.reset()


@pytest.fixture
def stub(settings):
    """A misbehaving MLflow on a random local port, with short timeouts and no real sleeping between
    retries (the waits asked for are recorded instead)."""
    server = Stub()
    settings.MLFLOW_TRACKING_URI = server.url
    yield server
    server.close()


@pytest.fixture
def sleeps(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(mlflow_client.time, "sleep", waits.append)
    return waits

import pytest

from lifecycle import mlflow_client
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


@pytest.fixture
def cost_people(units, make_user):
    builder = make_user("builder", "program_manager", "data_scientist", units=tuple(units.values()))
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    pm_corp = make_user("pm_corp", "program_manager", units=(units["CORP"],))
    executive = make_user("exec", "executive")
    return {"builder": builder, "pm": pm, "pm_corp": pm_corp, "executive": executive}

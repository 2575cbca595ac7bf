"""Registering versions from a real MLflow server that the test fills through MLflow's REST API."""

import time
import uuid

import pytest
import requests

from audit.models import AuditEvent
from lifecycle.models import AIModel, ModelVersion
from portfolio import services as portfolio
from tests.integration.conftest import mlflow_post

pytestmark = pytest.mark.integration


@pytest.fixture
def mlflow_version(mlflow_server):
    """A registered model with one version whose run logged metrics, params and a signature tag."""
    name = f"fraud-scorer-{uuid.uuid4().hex[:6]}"
    experiment = mlflow_post(mlflow_server, "experiments/create", {"name": f"exp-{name}"})["experiment_id"]
    run_id = mlflow_post(
        mlflow_server, "runs/create", {"experiment_id": experiment, "start_time": int(time.time() * 1000)}
    )["run"]["info"]["run_id"]
    now = int(time.time() * 1000)
    mlflow_post(
        mlflow_server,
        "runs/log-batch",
        {
            "run_id": run_id,
            "metrics": [
                {"key": "auc", "value": 0.93, "timestamp": now, "step": 0},
                {"key": "recall", "value": 0.81, "timestamp": now, "step": 0},
            ],
            "params": [{"key": "max_depth", "value": "6"}],
            "tags": [{"key": "framework", "value": "xgboost"}],
        },
    )
    mlflow_post(mlflow_server, "registered-models/create", {"name": name})
    created = mlflow_post(
        mlflow_server,
        "model-versions/create",
        {
            "name": name,
            "source": f"runs:/{run_id}/model",
            "run_id": run_id,
            "tags": [{"key": "signature.inputs", "value": '[{"name": "amount", "type": "double"}]'}],
        },
    )["model_version"]
    return {"name": name, "version": created["version"], "run_id": run_id}


def _import(client, name: str, version: str, use_case):
    return client.post(
        "/api/v1/model-versions/import/",
        {"mlflow_name": name, "mlflow_version": version, "use_case": use_case.pk},
        format="json",
    )


@pytest.fixture
def setup(settings, mlflow_server, units, make_user):
    settings.MLFLOW_TRACKING_URI = mlflow_server
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Card fraud", business_unit=units["RETAIL"])
    return ds, use_case


def test_a_version_is_registered_from_mlflow_with_its_run(setup, mlflow_version, api):
    ds, use_case = setup
    response = _import(api(ds), mlflow_version["name"], mlflow_version["version"], use_case)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["mlflow_run_id"] == mlflow_version["run_id"] and body["stage"] == "registered"
    assert body["metrics"] == {"auc": 0.93, "recall": 0.81} and body["params"] == {"max_depth": "6"}
    assert "amount" in body["signature"]["inputs"] and body["framework"] == "xgboost"
    model = AIModel.objects.get(mlflow_name=mlflow_version["name"])
    assert model.use_case == use_case and list(model.owners.all()) == [ds]
    assert AuditEvent.objects.filter(action="model_version.registered").exists()
    again = _import(api(ds), mlflow_version["name"], mlflow_version["version"], use_case)
    assert again.status_code == 409 and "already registered" in again.json()["detail"]


def test_an_unknown_version_is_a_clear_400_and_saves_nothing(setup, mlflow_version, api):
    ds, use_case = setup
    response = _import(api(ds), mlflow_version["name"], "42", use_case)
    assert response.status_code == 400
    assert "MLflow has no version 42" in response.json()["detail"]
    unknown = _import(api(ds), "no-such-model", "1", use_case)
    assert unknown.status_code == 400
    assert not AIModel.objects.exists() and not ModelVersion.objects.exists()


def test_mlflow_down_is_a_503_and_saves_nothing(setup, settings, api):
    ds, use_case = setup
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"
    response = _import(api(ds), "anything", "1", use_case)
    assert response.status_code == 503 and "cannot be reached" in response.json()["detail"]
    assert not AIModel.objects.exists()


def _tags(server, name, version) -> dict:
    found = requests.get(
        f"{server}/api/2.0/mlflow/model-versions/get", params={"name": name, "version": version}, timeout=30
    ).json()["model_version"]
    return {t["key"]: t["value"] for t in found.get("tags", [])}


def test_transitions_write_governance_tags_back_to_mlflow(
    setup, mlflow_version, mlflow_server, api, django_capture_on_commit_callbacks
):
    ds, use_case = setup
    body = _import(api(ds), mlflow_version["name"], mlflow_version["version"], use_case).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(ds).post(
            f"/api/v1/model-versions/{body['id']}/transition/", {"to": "in_validation"}, format="json"
        )
    assert response.status_code == 200
    tags = _tags(mlflow_server, mlflow_version["name"], mlflow_version["version"])
    assert tags["lodestar.stage"] == "in_validation" and tags["lodestar.approved"] == "false"
    assert tags["lodestar.risk_tier"] == "unassessed"


def test_write_back_retries_while_mlflow_is_down_and_lands_later(setup, mlflow_version, mlflow_server, settings, api):
    from celery.exceptions import Retry

    from lifecycle.services import model_version_transition
    from lifecycle.tasks import model_version_sync_tags

    ds, use_case = setup
    body = _import(api(ds), mlflow_version["name"], mlflow_version["version"], use_case).json()
    version = ModelVersion.objects.get(pk=body["id"])
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"  # MLflow down: the transition still happens
    model_version_transition(actor=ds, version=version, to_stage="in_validation")
    version.refresh_from_db()
    assert version.stage == "in_validation"
    # The task asks Celery to retry it later (with backoff) instead of failing.
    with pytest.raises(Retry, match="MlflowUnavailable"):
        model_version_sync_tags.apply(args=[version.pk], throw=True)
    settings.MLFLOW_TRACKING_URI = mlflow_server  # back up: the retry lands
    assert model_version_sync_tags.apply(args=[version.pk], throw=True).get()["lodestar.stage"] == "in_validation"
    assert _tags(mlflow_server, mlflow_version["name"], mlflow_version["version"])["lodestar.stage"] == "in_validation"


def test_the_runs_dataset_inputs_and_build_provenance_come_with_the_version(setup, mlflow_server, api):
    ds, use_case = setup
    name = f"lineage-{uuid.uuid4().hex[:6]}"
    experiment = mlflow_post(mlflow_server, "experiments/create", {"name": f"exp-{name}"})["experiment_id"]
    run_id = mlflow_post(mlflow_server, "runs/create", {"experiment_id": experiment})["run"]["info"]["run_id"]
    schema = '{"mlflow_colspec": [{"type": "double", "name": "amount"}, {"type": "long", "name": "mcc"}]}'
    mlflow_post(
        mlflow_server,
        "runs/log-inputs",
        {
            "run_id": run_id,
            "datasets": [
                {
                    "tags": [{"key": "mlflow.data.context", "value": context}],
                    "dataset": {
                        "name": f"{name}-{context}",
                        "digest": "d1g35t",
                        "source_type": "delta",
                        "source": '{"path": "s3://lake/cards"}',
                        "schema": schema,
                    },
                }
                for context in ("training", "eval")
            ],
        },
    )
    commit = "4f2a9c1e" * 5
    mlflow_post(
        mlflow_server,
        "runs/log-batch",
        {
            "run_id": run_id,
            "tags": [
                {"key": "mlflow.source.git.commit", "value": commit},
                {"key": "lodestar.image_digest", "value": "sha256:" + "ab" * 32},
                {"key": "lodestar.ci_run_url", "value": "https://ci.example/run/812"},
            ],
        },
    )
    mlflow_post(mlflow_server, "registered-models/create", {"name": name})
    mlflow_post(mlflow_server, "model-versions/create", {"name": name, "source": f"runs:/{run_id}/m", "run_id": run_id})

    body = _import(api(ds), name, "1", use_case).json()
    assert body["code_commit"] == commit and body["image_digest"].startswith("sha256:abab")
    assert body["ci_run_url"] == "https://ci.example/run/812"
    version = ModelVersion.objects.get(pk=body["id"])
    links = {link.dataset.name: link for link in version.dataset_links.select_related("dataset", "schema_version")}
    assert {name: link.role for name, link in links.items()} == {
        f"{name}-training": "training",
        f"{name}-eval": "validation",
    }
    training = links[f"{name}-training"]
    assert training.dataset.source_system == "delta" and training.dataset.version_uri.endswith("#d1g35t")
    assert training.schema_version.columns == [{"name": "amount", "type": "double"}, {"name": "mcc", "type": "long"}]

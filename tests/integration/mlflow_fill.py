"""Filling a real MLflow server through its REST API, for the tests that read it back."""

import time
import uuid

import requests


def post(server: str, path: str, body: dict) -> dict:
    response = requests.post(f"{server}/api/2.0/mlflow/{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def new_run(server: str, *, experiment: str | None = None, tags: dict | None = None) -> str:
    if experiment is None:
        experiment = post(server, "experiments/create", {"name": f"exp-{uuid.uuid4().hex[:8]}"})["experiment_id"]
    body = {"experiment_id": experiment, "start_time": int(time.time() * 1000)}
    if tags:
        body["tags"] = [{"key": k, "value": str(v)} for k, v in tags.items()]
    return post(server, "runs/create", body)["run"]["info"]["run_id"]


def log(server: str, run_id: str, points: list[tuple[str, int, int, float]]) -> None:
    """Log (key, step, timestamp ms, value) points, at most 1,000 per request as MLflow allows."""
    for start in range(0, len(points), 1000):
        chunk = points[start : start + 1000]
        post(
            server,
            "runs/log-batch",
            {"run_id": run_id, "metrics": [{"key": k, "step": s, "timestamp": t, "value": v} for k, s, t, v in chunk]},
        )

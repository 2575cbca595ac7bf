"""The only door to MLflow (pure REST). MLflow is an untrusted remote: every call has connect and read
timeouts, follows no redirect, and its answers are checked before use. It sits in core because both
lifecycle (registration) and monitoring (metric sync) use it, and lifecycle is below monitoring.
"""

from dataclasses import dataclass

import requests
from django.conf import settings

CONNECT_TIMEOUT = 3
READ_TIMEOUT = 10


@dataclass(frozen=True)
class ServerStatus:
    uri: str
    reachable: bool
    version: str = ""
    error: str = ""


class MlflowUnavailable(Exception):
    """MLflow did not answer, or answered with a server error."""


class MlflowNotFound(Exception):
    """MLflow answered that the thing asked for does not exist."""


def _get(path: str, params: dict | None = None) -> requests.Response:
    response = requests.get(
        settings.MLFLOW_TRACKING_URI.rstrip("/") + path,
        params=params,
        timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        allow_redirects=False,
        headers={"Connection": "close"},  # MLflow's server adds ~40 ms to reused connections
    )
    response.raise_for_status()
    return response


def _api(path: str, params: dict) -> dict:
    """GET an MLflow REST endpoint; 404/RESOURCE_DOES_NOT_EXIST becomes MlflowNotFound."""
    try:
        return _get(f"/api/2.0/mlflow/{path}", params).json()
    except requests.HTTPError as exc:
        body = exc.response.text[:300] if exc.response is not None else ""
        if exc.response is not None and (
            exc.response.status_code == 404 or "DOES_NOT_EXIST" in body or "INVALID_PARAMETER_VALUE" in body
        ):
            raise MlflowNotFound(body) from exc
        raise MlflowUnavailable(
            f"MLflow answered {exc.response.status_code if exc.response is not None else '?'}"
        ) from exc
    except (requests.RequestException, ValueError) as exc:
        raise MlflowUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc


def get_model_version(name: str, version: str) -> dict:
    """The registered model version, with its run's metrics, params and tags when it has a run."""
    found = _api("model-versions/get", {"name": name, "version": version}).get("model_version")
    if not isinstance(found, dict):
        raise MlflowNotFound(f"{name} v{version}")
    run = {}
    if found.get("run_id"):
        run = _api("runs/get", {"run_id": found["run_id"]}).get("run", {})
    data = run.get("data", {}) if isinstance(run, dict) else {}
    return {
        "name": found.get("name", name),
        "version": str(found.get("version", version)),
        "run_id": found.get("run_id", "") or "",
        "source": found.get("source", "") or "",
        "description": found.get("description", "") or "",
        "tags": {t.get("key"): t.get("value") for t in found.get("tags", []) if isinstance(t, dict)},
        "metrics": {m["key"]: m["value"] for m in data.get("metrics", []) if _finite_metric(m)},
        "params": {p.get("key"): p.get("value") for p in data.get("params", []) if isinstance(p, dict)},
        "run_tags": {t.get("key"): t.get("value") for t in data.get("tags", []) if isinstance(t, dict)},
    }


def _finite_metric(metric) -> bool:
    import math

    return (
        isinstance(metric, dict)
        and isinstance(metric.get("key"), str)
        and isinstance(metric.get("value"), int | float)
        and math.isfinite(metric["value"])
    )


def server_status() -> ServerStatus:
    """Whether the configured tracking server answers, and its version."""
    uri = settings.MLFLOW_TRACKING_URI
    if not uri.startswith(("http://", "https://")):
        return ServerStatus(uri, False, error="MLFLOW_TRACKING_URI must be an http(s) URL of a tracking server.")
    try:
        _get("/health")
        version = _get("/version").text.strip()[:40]
    except requests.RequestException as exc:
        return ServerStatus(uri, False, error=f"{type(exc).__name__}: {exc}"[:300])
    return ServerStatus(uri, True, version=version)


def set_model_version_tags(name: str, version: str, tags: dict[str, str]) -> None:
    """Write tags on a registered model version (idempotent: the same tag written twice is one tag)."""
    url = settings.MLFLOW_TRACKING_URI.rstrip("/") + "/api/2.0/mlflow/model-versions/set-tag"
    for key, value in tags.items():
        try:
            response = requests.post(
                url,
                json={"name": name, "version": str(version), "key": key, "value": str(value)},
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                allow_redirects=False,
                headers={"Connection": "close"},
            )
        except requests.RequestException as exc:
            raise MlflowUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
        if response.status_code >= 500:
            raise MlflowUnavailable(f"MLflow answered {response.status_code}")
        if response.status_code >= 400:
            raise MlflowNotFound(response.text[:300])

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


# --- Registry listing and the `production` alias -------------------------------------------------------

MAX_PAGE_SIZE = 200
MAX_PAGES = 100


def _write(method: str, path: str, body: dict) -> None:
    """A registry write (POST or DELETE with a JSON body); never retried here, the caller's task retries."""
    try:
        response = requests.request(
            method,
            settings.MLFLOW_TRACKING_URI.rstrip("/") + f"/api/2.0/mlflow/{path}",
            json=body,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
            headers={"Connection": "close"},
        )
    except requests.RequestException as exc:
        raise MlflowUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
    if response.status_code >= 500 or 300 <= response.status_code < 400:
        raise MlflowUnavailable(f"MLflow answered {response.status_code}")
    if response.status_code >= 400:
        raise MlflowNotFound(response.text[:300])


def _versions_of(entry: dict) -> list[str]:
    return [str(v["version"]) for v in entry.get("latest_versions") or [] if isinstance(v, dict) and "version" in v]


def _summary(entry: dict) -> dict:
    versions = _versions_of(entry)
    return {
        "name": entry["name"],
        "description": (entry.get("description") or "")[:2000],
        "latest_version": max(versions, key=lambda v: int(v) if v.isdigit() else 0) if versions else "",
        "tags": {t.get("key"): t.get("value") for t in entry.get("tags") or [] if isinstance(t, dict)},
        "aliases": {a.get("alias"): str(a.get("version")) for a in entry.get("aliases") or [] if isinstance(a, dict)},
    }


def search_registered_models(*, page_size: int = 100, max_pages: int = MAX_PAGES):
    """Every registered model (name, description, latest version, tags, aliases), page by page; bounded
    in page size and page count, and a page token seen twice ends the listing."""
    token, seen = None, set()
    for _ in range(max_pages):
        params = {"max_results": min(page_size, MAX_PAGE_SIZE)}
        if token:
            params["page_token"] = token
        page = _api("registered-models/search", params)
        for entry in page.get("registered_models") or []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                yield _summary(entry)
        token = page.get("next_page_token")
        if not token or token in seen:
            return
        seen.add(token)


def get_registered_model(name: str) -> dict:
    found = _api("registered-models/get", {"name": name}).get("registered_model")
    if not isinstance(found, dict) or not isinstance(found.get("name"), str):
        raise MlflowNotFound(name)
    return _summary(found)


def set_alias(name: str, alias: str, version: str) -> None:
    """Point `alias` at `version` (MLflow moves an alias in one step)."""
    _write("POST", "registered-models/alias", {"name": name, "alias": alias, "version": str(version)})


def delete_alias(name: str, alias: str) -> None:
    _write("DELETE", "registered-models/alias", {"name": name, "alias": alias})

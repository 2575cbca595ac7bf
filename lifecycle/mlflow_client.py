"""The only door to MLflow (pure REST). MLflow is an untrusted remote: every call has connect and read
timeouts, follows no redirect, and its answers are checked before use. It sits in core because both
lifecycle (registration) and monitoring (metric sync) use it, and lifecycle is below monitoring.
"""

import json
import math
import random
import threading
import time
from dataclasses import dataclass

import requests
import urllib3
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
        "datasets": _dataset_inputs(run.get("inputs", {}) if isinstance(run, dict) else {}),
    }


def _dataset_inputs(inputs) -> list[dict]:
    """The run's dataset inputs: name, digest, source, schema columns and context (training, eval…)."""
    found = []
    for entry in (inputs or {}).get("dataset_inputs") or []:
        dataset = entry.get("dataset") if isinstance(entry, dict) else None
        if not isinstance(dataset, dict) or not isinstance(dataset.get("name"), str):
            continue
        tags = {t.get("key"): t.get("value") for t in entry.get("tags") or [] if isinstance(t, dict)}
        columns = []
        try:
            schema = json.loads(dataset.get("schema") or "{}")
            columns = [c for c in schema.get("mlflow_colspec") or [] if isinstance(c, dict) and c.get("name")]
        except (ValueError, AttributeError):
            pass
        found.append(
            {
                "name": dataset["name"][:300],
                "digest": str(dataset.get("digest") or "")[:64],
                "source_type": str(dataset.get("source_type") or "")[:200],
                "source": str(dataset.get("source") or "")[:900],
                "context": str(tags.get("mlflow.data.context") or ""),
                "columns": [{"name": str(c["name"]), "type": str(c.get("type", ""))} for c in columns][:500],
            }
        )
    return found


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


# --- Resilient reads for the metric sync -------------------------------------------------------------
# MLflow is an untrusted remote (OWASP API10): every read has connect/read timeouts and an overall
# deadline, is retried with jittered backoff only when the failure may pass (connection errors, 429,
# 5xx), honours Retry-After (capped), follows no redirect, and trips a circuit breaker after repeated
# failures so a dead server costs one fast refusal per call instead of a timeout. The breaker state is
# per process (each worker process learns on its own within a few calls); DESIGN.md's figures hold per
# process. Searches are POSTs in MLflow's API but read only, so they are retried like GETs.

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
RETRY_AFTER_CAP = 10.0


def _setting(name: str, default):
    return getattr(settings, name, default)


class MlflowCircuitOpen(MlflowUnavailable):
    """Recent calls failed repeatedly: MLflow is not asked again until the cool-down has passed."""


class CircuitBreaker:
    """Opens after `threshold` consecutive failed calls; after `cooldown` seconds one probe may pass
    (half-open): its success closes the breaker, its failure opens it for another cool-down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.failures = 0
        self.opened_at: float | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def before_call(self) -> bool:
        """Raises MlflowCircuitOpen while open; True when this call is the half-open probe."""
        with self._lock:
            if self.opened_at is None:
                return False
            cooldown = _setting("MLFLOW_BREAKER_COOLDOWN", 60.0)
            if time.monotonic() - self.opened_at < cooldown or self._probing:
                raise MlflowCircuitOpen(
                    f"MLflow failed {self.failures} calls in a row; not asked again for {cooldown:.0f} s."
                )
            self._probing = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            self.reset()

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            self._probing = False
            if self.failures >= _setting("MLFLOW_BREAKER_THRESHOLD", 5):
                self.opened_at = time.monotonic()


breaker = CircuitBreaker()


class _Retryable(Exception):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(max(float(value), 0.0), RETRY_AFTER_CAP)
    except ValueError:
        return None


def _body(response: requests.Response, deadline: float) -> bytes:
    """The answer's bytes, read in chunks: a server trickling bytes cannot outlast the call's deadline (the
    read timeout only bounds the gap between two bytes), nor send more than MLFLOW_MAX_ANSWER_BYTES."""
    limit = _setting("MLFLOW_MAX_ANSWER_BYTES", 64 * 1024 * 1024)
    chunks, size = [], 0
    # read1 returns what one receive brings; a full-size read would wait for the trickle to fill it.
    while chunk := response.raw.read1(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise MlflowUnavailable(f"MLflow's answer is larger than {limit} bytes; not read")
        if time.monotonic() > deadline:
            raise _Retryable("MLflow's answer did not arrive within the call's deadline")
        chunks.append(chunk)
    return b"".join(chunks)


def _attempt(method: str, url: str, *, params, body, timeout, deadline: float) -> dict:
    try:
        response = requests.request(
            method,
            url,
            params=params,
            json=body,
            timeout=timeout,
            allow_redirects=False,
            headers={"Connection": "close"},
            stream=True,
        )
        with response:
            content = _body(response, deadline)
    except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError, OSError) as exc:
        raise _Retryable(f"{type(exc).__name__}: {exc}"[:300]) from exc
    except requests.RequestException as exc:
        raise MlflowUnavailable(f"{type(exc).__name__}: {exc}"[:300]) from exc
    text = content[:300].decode("utf-8", "replace")
    if 300 <= response.status_code < 400:
        # A redirect may lead anywhere (another host, credentials): it is refused, not followed.
        raise MlflowUnavailable(
            f"MLflow answered a redirect ({response.status_code}) to {response.headers.get('Location', '?')[:200]}; "
            "not followed: point MLFLOW_TRACKING_URI at the server itself."
        )
    if response.status_code == 429 or response.status_code >= 500:
        raise _Retryable(f"MLflow answered {response.status_code}", _retry_after(response))
    if response.status_code == 404 or (response.status_code == 400 and "RESOURCE_DOES_NOT_EXIST" in text):
        raise MlflowNotFound(text)
    if response.status_code >= 400:
        raise MlflowUnavailable(f"MLflow refused the request ({response.status_code}): {text}")
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise _Retryable("MLflow answered invalid JSON") from exc
    if not isinstance(data, dict):
        raise MlflowUnavailable("MLflow answered JSON that is not an object")
    return data


def read(
    method: str, path: str, *, params: dict | None = None, body: dict | None = None, prefix: str = "/api/2.0/mlflow/"
) -> dict:
    """One read of MLflow's REST API (`path` under `prefix`), resilient as described above."""
    probe = breaker.before_call()
    deadline = time.monotonic() + _setting("MLFLOW_CALL_DEADLINE", 30.0)
    # The half-open probe is one request, not a call and its retries: a dead MLflow sees one per cool-down.
    attempts = 1 if probe else 1 + _setting("MLFLOW_READ_RETRIES", 4)
    url = settings.MLFLOW_TRACKING_URI.rstrip("/") + prefix + path
    connect, read_timeout = (
        _setting("MLFLOW_CONNECT_TIMEOUT", CONNECT_TIMEOUT),
        _setting("MLFLOW_READ_TIMEOUT", READ_TIMEOUT),
    )
    for attempt in range(attempts):
        left = deadline - time.monotonic()
        try:
            if left <= 0:
                raise MlflowUnavailable("MLflow did not answer within the call's deadline")
            data = _attempt(
                method,
                url,
                params=params,
                body=body,
                timeout=(min(connect, left), min(read_timeout, left)),
                deadline=deadline,
            )
        except MlflowNotFound:
            breaker.succeeded()  # the server answered; the thing is missing
            raise
        except _Retryable as exc:
            wait = exc.wait if exc.wait is not None else min(8.0, 0.25 * 2**attempt) * random.uniform(0.5, 1.5)
            if attempt + 1 >= attempts or time.monotonic() + wait >= deadline:
                breaker.failed()
                raise MlflowUnavailable(str(exc)) from exc
            time.sleep(wait)
            continue
        except MlflowUnavailable:
            breaker.failed()
            raise
        breaker.succeeded()
        return data
    raise MlflowUnavailable("MLflow did not answer")  # pragma: no cover - the loop always returns or raises


@dataclass
class MetricHistory:
    """Valid points of one metric in one run, how many invalid ones were refused, and the newest (step,
    timestamp) read, valid or not: MLflow reports a refused point (NaN) as the run's latest value too, and the
    sync's watermark must pass it or the history looks new on every sync."""

    points: list[tuple[int, int, float]]  # (step, timestamp, value)
    skipped: int = 0
    problems: list[str] | None = None
    newest: tuple[int, int] | None = None

    def take(self, raw) -> None:
        """Keep `raw` when it is a valid point, count it otherwise; either way note how far the reading got."""
        point = checked_point(raw)
        if point is None:
            self.skipped += 1
            at = (_int64(raw.get("step", 0)), _int64(raw.get("timestamp"))) if isinstance(raw, dict) else (None,)
            if None in at:
                return
        else:
            self.points.append(point)
            at = point[:2]
        if self.newest is None or at > self.newest:
            self.newest = at


def _int64(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)  # proto3 JSON may carry int64 as a string of digits
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return value
    return None


def checked_point(raw) -> tuple[int, int, float] | None:
    """(step, timestamp, value) when the point is well formed: a finite number, integer step and
    timestamp within int64; None otherwise."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("value")
    step = _int64(raw.get("step", 0))
    timestamp = _int64(raw.get("timestamp"))
    if isinstance(value, bool) or not isinstance(value, int | float) or step is None or timestamp is None:
        return None
    value = float(value)
    # MLflow stores +-Infinity clamped to the largest double: such a value is refused like Infinity.
    if not math.isfinite(value) or abs(value) >= 1.7976931348623157e308:
        return None
    return step, timestamp, value


def metric_history(run_id: str, key: str) -> MetricHistory:
    """Every point of `key` in `run_id`, read page by page (bounded page size and page count; a page
    token seen twice stops the loop). Invalid points are skipped and counted."""
    page_size = _setting("MLFLOW_HISTORY_PAGE_SIZE", 5000)
    max_pages = _setting("MLFLOW_HISTORY_MAX_PAGES", 200)
    history = MetricHistory(points=[], problems=[])
    seen_tokens: set[str] = set()
    token = ""
    for _ in range(max_pages):
        params = {"run_id": run_id, "metric_key": key, "max_results": page_size}
        if token:
            params["page_token"] = token
        page = read("GET", "metrics/get-history", params=params)
        metrics = page.get("metrics", [])
        if not isinstance(metrics, list):
            raise MlflowUnavailable("MLflow answered a history that is not a list")
        for raw in metrics[: page_size * 2]:  # a server ignoring max_results cannot flood us
            history.take(raw)
        history.skipped += max(0, len(metrics) - page_size * 2)
        token = page.get("next_page_token") or ""
        if not isinstance(token, str) or not token:
            return history
        if token in seen_tokens:
            history.problems.append(f"page token loop in {key} of run {run_id}: stopped")
            return history
        seen_tokens.add(token)
    history.problems.append(f"{key} of run {run_id} has more than {max_pages} pages: stopped")
    return history


BULK_RUNS = 100  # MLflow's limit of run ids per bulk history request
BULK_MAX_RESULTS = 25000  # and of points per answer: an answer this long may be cut, so it is not trusted


def metric_histories_bulk(run_ids: list[str], key: str) -> dict[str, MetricHistory] | None:
    """Every point of `key` in each of up to 100 runs in one request, through the history endpoint MLflow's
    own UI uses (fastest by far, but internal and unversioned). None when it cannot be used: switched off
    (MLFLOW_BULK_HISTORY), missing on this server, or an answer that may be cut; the caller then reads the
    public per-run endpoint. Invalid points are skipped and counted like `metric_history`'s."""
    if not _setting("MLFLOW_BULK_HISTORY", True) or not run_ids or len(run_ids) > BULK_RUNS:
        return None
    params = {"run_id": list(run_ids), "metric_key": key, "max_results": BULK_MAX_RESULTS}
    try:
        page = read("GET", "metrics/get-history-bulk", params=params, prefix="/ajax-api/2.0/mlflow/")
    except MlflowNotFound:
        return None
    metrics = page.get("metrics", [])
    if not isinstance(metrics, list) or len(metrics) >= BULK_MAX_RESULTS:
        return None
    histories = {run_id: MetricHistory(points=[], problems=[]) for run_id in run_ids}
    for raw in metrics:
        history = histories.get(raw.get("run_id")) if isinstance(raw, dict) else None
        if history is None or raw.get("key", key) != key:
            continue  # a point of a run or metric not asked for is not ours to store
        history.take(raw)
    return histories


def search_experiment_ids() -> list[str]:
    """Ids of the active experiments (bounded page count)."""
    ids: list[str] = []
    token = ""
    seen: set[str] = set()
    for _ in range(_setting("MLFLOW_SEARCH_MAX_PAGES", 50)):
        body = {"max_results": 1000, **({"page_token": token} if token else {})}
        page = read("POST", "experiments/search", body=body)
        ids += [str(e["experiment_id"]) for e in page.get("experiments", []) if isinstance(e, dict)]
        token = page.get("next_page_token") or ""
        if not token or token in seen:
            break
        seen.add(token)
    return ids


def search_runs(*, experiment_ids: list[str], filter_string: str) -> list[dict]:
    """Runs matching `filter_string` (MLflow search syntax) with their tags and latest metric values."""
    runs: list[dict] = []
    for start in range(0, len(experiment_ids), 100):
        token = ""
        seen: set[str] = set()
        for _ in range(_setting("MLFLOW_SEARCH_MAX_PAGES", 50)):
            body = {
                "experiment_ids": experiment_ids[start : start + 100],
                "filter": filter_string,
                "max_results": 1000,
                **({"page_token": token} if token else {}),
            }
            page = read("POST", "runs/search", body=body)
            runs += [r for r in page.get("runs", []) if isinstance(r, dict)]
            token = page.get("next_page_token") or ""
            if not token or token in seen:
                break
            seen.add(token)
    return runs


def run_summary(run: dict) -> dict:
    """{run_id, tags, latest: {metric: (step, timestamp)}} from a run as MLflow returns it."""
    info, data = run.get("info", {}) or {}, run.get("data", {}) or {}
    latest = {}
    for metric in data.get("metrics", []) or []:
        if isinstance(metric, dict) and isinstance(metric.get("key"), str):
            latest[metric["key"]] = (_int64(metric.get("step", 0)), _int64(metric.get("timestamp")))
    tags = {t.get("key"): t.get("value") for t in data.get("tags", []) or [] if isinstance(t, dict)}
    return {"run_id": str(info.get("run_id", "")), "tags": tags, "latest": latest}


def get_run(run_id: str) -> dict:
    """The run, summarised like `run_summary`; MlflowNotFound when MLflow has no such run."""
    return run_summary(read("GET", "runs/get", params={"run_id": run_id}).get("run", {}) or {})

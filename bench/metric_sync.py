"""Metric sync against a real MLflow server, side by side in one run (figures, not a test):

    .venv/bin/python bench/metric_sync.py --versions 1000 --points 30

Starts a lean MLflow server (.venv-mlflow) on a fresh SQLite file, logs V versions x 3 metrics x P points,
and reports: the naive client (one get-history per run and metric, serial), MLflow's bulk history endpoint
(UI-internal, 100 runs per call), Lodestar's full sync and a re-sync with nothing new."""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
METRICS = ("psi", "auc", "latency_p95_ms")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_mlflow(home: Path) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "MLFLOW_DISABLE_TELEMETRY": "true"}
    process = subprocess.Popen(
        [str(ROOT / ".venv-mlflow/bin/mlflow"), "server", "--backend-store-uri", f"sqlite:///{home}/mlflow.db",
         "--default-artifact-root", str(home / "artifacts"), "--host", "127.0.0.1", "--port", str(port),
         "--workers", "2"],
        env={**env, "DO_NOT_TRACK": "true"}, stdout=(home / "mlflow.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(480):
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return process, url
        except requests.RequestException:
            time.sleep(0.25)
    raise SystemExit("MLflow did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--points", type=int, default=30)
    parser.add_argument("--skip-naive", action="store_true", help="leave out the slow naive client (profiling)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="lodestar-bench-"))
    mlflow, url = start_mlflow(home)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{home}/lodestar.sqlite3",
        MLFLOW_TRACKING_URI=url,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.integration.mlflow_fill import log, new_run, post

    try:
        experiment = post(url, "experiments/create", {"name": "bench"})["experiment_id"]
        started = time.perf_counter()
        run_ids = []
        for _ in range(args.versions):
            run_id = new_run(url, experiment=experiment)
            log(
                url,
                run_id,
                [(m, d, 1_767_225_600_000 + d * 86_400_000, d / 100) for m in METRICS for d in range(args.points)],
            )
            run_ids.append(run_id)
        filled = time.perf_counter() - started
        print(f"filled {args.versions} runs x {len(METRICS)} metrics x {args.points} points in {filled:.1f} s")
        _register(run_ids)
        figures = {}
        if not args.skip_naive:
            started = time.perf_counter()
            naive = _naive_threaded(url, run_ids, threads=1)
            figures["naive get-history, serial, keep-alive"] = (time.perf_counter() - started, naive)
            started = time.perf_counter()
            threaded = _naive_threaded(url, run_ids, threads=8)
            figures["naive get-history, 8 threads"] = (time.perf_counter() - started, threaded)
        started = time.perf_counter()
        bulk = 0
        for start in range(0, len(run_ids), 100):
            for metric in METRICS:
                params = {"run_id": run_ids[start : start + 100], "metric_key": metric}
                answer = requests.get(f"{url}/ajax-api/2.0/mlflow/metrics/get-history-bulk", params=params, timeout=60)
                bulk += len(answer.json().get("metrics", []))
        figures["bulk endpoint (100 runs per call)"] = (time.perf_counter() - started, bulk)
        from monitoring.sync import metrics_sync

        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            cProfile.runctx("metrics_sync(trigger='bench')", globals(), locals(), sort="cumulative")
        full = metrics_sync(trigger="bench")
        figures["Lodestar full sync"] = (time.perf_counter() - started, full.points_inserted)
        started = time.perf_counter()
        again = metrics_sync(trigger="bench")
        figures["Lodestar re-sync, nothing new"] = (time.perf_counter() - started, again.points_inserted)
        for name, (seconds, points) in figures.items():
            print(f"{name:40s} {seconds:8.2f} s {points:8d} points")
    finally:
        os.killpg(mlflow.pid, 15)
        mlflow.wait(timeout=30)


def _naive_threaded(url: str, run_ids: list[str], threads: int) -> int:
    """The naive client: one get-history per run and metric, from `threads` threads with a keep-alive session each."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import local

    sessions = local()

    def fetch(pair: tuple[str, str]) -> int:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        params = {"run_id": pair[0], "metric_key": pair[1]}
        answer = sessions.session.get(f"{url}/api/2.0/mlflow/metrics/get-history", params=params, timeout=30)
        return len(answer.json()["metrics"])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return sum(pool.map(fetch, [(run_id, metric) for run_id in run_ids for metric in METRICS]))


def _register(run_ids: list[str]) -> None:
    from django.contrib.auth.models import Group, User

    from core.roles import ROLE_BY_KEY
    from core.seeding import seeding_bypass
    from lifecycle import services as lifecycle
    from lifecycle.models import ModelVersion
    from portfolio import services as portfolio
    from portfolio.models import BusinessUnit, Membership

    unit = BusinessUnit.objects.create(code="BENCH", name="Bench")
    people = []
    for name, role in (("bench-pm", "program_manager"), ("bench-ds", "data_scientist")):
        user = User.objects.create_user(name)
        user.groups.add(Group.objects.get(name=ROLE_BY_KEY[role].name))
        Membership.objects.create(user=user, business_unit=unit)
        people.append(User.objects.get(pk=user.pk))
    pm, ds = people
    use_case = portfolio.use_case_create(actor=pm, title="Bench", business_unit=unit)
    for n, run_id in enumerate(run_ids):
        model = lifecycle.model_register(actor=ds, name=f"bench-{n}", use_case=use_case)
        lifecycle.model_version_register(actor=ds, model=model, version="1", mlflow_run_id=run_id)
    with seeding_bypass():  # versions serve in production without a review: the bench seeds, see core/seeding.py
        ModelVersion.objects.update(stage="production")


if __name__ == "__main__":
    main()

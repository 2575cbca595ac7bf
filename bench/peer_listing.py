"""Listing every model page by page: Lodestar's inventory API vs MLflow's search_registered_models (figures):

    DATABASE_URL=postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_bench .venv/bin/python bench/peer_listing.py

Starts an MLflow server (.venv-mlflow, SQLite under var/bench/) holding a registered model with one version for
each of Lodestar's models (written straight through MLflow's own SQLAlchemy models, in one transaction), and
Lodestar under gunicorn (bench.settings). Both are read over HTTP at the largest page size each allows (Lodestar
500, MLflow 1,000), signed in as the executive, who sees every model. Best of three listings each.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LODESTAR_PAGE, MLFLOW_PAGE = 500, 1000

# Runs inside .venv-mlflow: the registry's own models, so the rows are what the server itself would write.
_FILL = """
import sys, time
from mlflow.store.model_registry.dbmodels.models import SqlModelVersion, SqlRegisteredModel
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
store = SqlAlchemyStore(sys.argv[1])
names = [line for line in sys.stdin.read().splitlines() if line]
now = int(time.time() * 1000)
with store.ManagedSessionMaker() as session:
    session.add_all(SqlRegisteredModel(name=n, creation_time=now, last_updated_time=now) for n in names)
    session.flush()
    session.add_all(SqlModelVersion(name=n, version=1, creation_time=now, last_updated_time=now,
                                    source=f"s3://models/{n}/1", run_id="0" * 32) for n in names)
"""


def fill_mlflow(home: Path, names: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv-mlflow/bin/python"), "-c", _FILL, f"sqlite:///{home}/mlflow.db"],
        input="\n".join(names), text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def list_lodestar(url: str, cookies: dict) -> tuple[float, int, int]:
    started, seen, pages = time.perf_counter(), 0, 0
    with requests.Session() as session:
        session.cookies.update(cookies)
        page = f"{url}/api/v1/models/?page_size={LODESTAR_PAGE}"
        while page:
            body = session.get(page, timeout=120).json()
            seen, pages, page = seen + len(body["results"]), pages + 1, body["next"]
    return time.perf_counter() - started, seen, pages


def list_mlflow(url: str) -> tuple[float, int, int]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=url, registry_uri=url)
    started, seen, pages, token = time.perf_counter(), 0, 0, None
    while True:
        found = client.search_registered_models(max_results=MLFLOW_PAGE, page_token=token)
        seen, pages, token = seen + len(found), pages + 1, found.token
        if not token:
            break
    return time.perf_counter() - started, seen, pages


def measure(repeat: int = 3) -> dict:
    from bench.metric_sync import start_mlflow
    from bench.servers import gunicorn, session_cookie
    from lifecycle.models import AIModel

    names = list(AIModel.objects.order_by("pk").values_list("name", flat=True))
    home = ROOT / "var" / "bench" / "mlflow-listing"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    mlflow, mlflow_url = start_mlflow(home)
    try:
        filled = fill_mlflow(home, names)
        cookies = session_cookie("bench-exec")
        with gunicorn(workers=2) as lodestar_url:
            list_lodestar(lodestar_url, cookies)  # warm-up: the workers load the app
            lodestar = min(list_lodestar(lodestar_url, cookies) for _ in range(repeat))
        list_mlflow(mlflow_url)
        peer = min(list_mlflow(mlflow_url) for _ in range(repeat))
    finally:
        os.killpg(mlflow.pid, 15)
        mlflow.wait(timeout=30)
    return {
        "models": len(names),
        "mlflow_fill_s": filled,
        "lodestar": {"seconds": lodestar[0], "models": lodestar[1], "pages": lodestar[2], "page_size": LODESTAR_PAGE},
        "mlflow": {"seconds": peer[0], "models": peer[1], "pages": peer[2], "page_size": MLFLOW_PAGE},
        "ratio": peer[0] / lodestar[0],
    }


def table(figures: dict) -> str:
    lines = ["| Listing every model | Models | Pages | Seconds |", "|---|---:|---:|---:|"]
    for key, name in (("lodestar", "Lodestar inventory API"), ("mlflow", "MLflow search_registered_models")):
        f = figures[key]
        lines.append(f"| {name} (page size {f['page_size']}) | {f['models']:,d} | {f['pages']} | {f['seconds']:.2f} |")
    lines.append(f"\nMLflow's listing takes {figures['ratio']:.2f} x Lodestar's (goal: at least 2 x).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import django

    django.setup()
    figures = measure(args.repeat)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    print(f"MLflow filled with {figures['models']:,d} registered models in {figures['mlflow_fill_s']:.1f} s")
    print(table(figures))


if __name__ == "__main__":
    main()

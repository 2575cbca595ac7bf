"""All the benchmarks in one run, written as Markdown to bench/results/YYYY-MM-DD-<commit>.md (`make bench`):

    .venv/bin/python bench/run.py [--database-url postgres://.../lodestar_bench] [--skip-metric-sync]

1. The portfolio at the default size in PostgreSQL (bench/generate.py), reused when the database already holds
   that many models; a second one at 1 % in <name>_small, for the query counts at two sizes.
2. Page and API latency with query counts at both sizes (bench/latency.py).
3. Listing every model: Lodestar's API vs MLflow's search_registered_models (bench/peer_listing.py).
4. Throughput under locust against gunicorn, beside a bare DRF endpoint (bench/throughput.py).
5. The metric sync vs MLflow's bulk history endpoint (bench/metric_sync.py, its own MLflow and SQLite).
6. The audit chain of the generated trail, verified (`manage.py verify_audit`).
Each step runs in its own process, so every one sets Django up against the database it measures.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PY = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_URL = "postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_bench"
SMALL = 0.01


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings",
            "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "PYTHONPATH": str(ROOT)}  # fmt: skip


def _run(args: list[str], url: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PY, *args], cwd=ROOT, env=_env(url), check=True, text=True, **kwargs)


def _model_count(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM lifecycle_aimodel").fetchone()[0]
    except psycopg.Error:
        return None


def prepare(url: str, scale: float, *extra: str) -> dict:
    """The database at `url` holding the portfolio at `scale` (and the generator's `extra` options, e.g. "--units",
    "50"): reused if its model count and those options match, else made anew."""
    import psycopg

    from bench.generate import DEFAULTS

    name = urlsplit(url).path.lstrip("/")
    figures_file = ROOT / "var" / "bench" / f"generate-{name}.json"
    wanted = max(1, round(DEFAULTS["models"] * scale))
    if _model_count(url) == wanted and figures_file.exists():
        figures = json.loads(figures_file.read_text())
        if figures.get("options", []) == list(extra):
            return {**figures, "reused": True}
    admin = _with_db(url, "postgres").replace("postgres://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    _run(["manage.py", "migrate", "--verbosity", "0"], url)
    started = time.perf_counter()
    out = _run(["bench/generate.py", "--scale", str(scale), *extra], url, capture_output=True).stdout
    figures = {
        "seconds": time.perf_counter() - started,
        "report": out.strip(),
        "models": wanted,
        "options": list(extra),
    }
    figures_file.parent.mkdir(parents=True, exist_ok=True)
    figures_file.write_text(json.dumps(figures))
    return {**figures, "reused": False}


def _json_step(script: str, url: str, *extra: str):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        _run([script, "--json", out.name, *extra], url, stdout=subprocess.DEVNULL)
        return json.loads(Path(out.name).read_text())


def machine(url: str) -> str:
    import psycopg

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    memory = next(
        int(line.split()[1]) // 1024 // 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with psycopg.connect(_with_db(url, "postgres").replace("postgres://", "postgresql://")) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PostgreSQL {postgres}; load average at start {load} "
        "(the machine is shared: other work runs beside the benchmarks)"
    )


def commit() -> str:
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    return sha.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


SYNC_VERSIONS = 1000  # the monitoring issue's size: 1,000 versions x 3 metrics x 30 points


def metric_sync() -> str:
    out = subprocess.run(
        [PY, "bench/metric_sync.py", "--versions", str(SYNC_VERSIONS), "--points", "30"], cwd=ROOT, check=True,
        text=True, capture_output=True, env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"},
    ).stdout  # fmt: skip
    lines = [line for line in out.splitlines() if line.strip()]
    rows = [
        f"| Metric sync, {SYNC_VERSIONS:,d} versions x 3 metrics x 30 points | Seconds | Points |",
        "|---|---:|---:|",
    ]
    figures = {}
    for line in lines:
        if " s " in line and "points" in line and not line.startswith("filled"):
            label, rest = line.rsplit(" s ", 1)
            label, seconds = label.rsplit(None, 1)
            figures[label.strip()] = float(seconds)
            rows.append(f"| {label.strip()} | {float(seconds):.2f} | {int(rest.split()[0]):,d} |")
    bulk, full = figures.get("bulk endpoint (100 runs per call)"), figures.get("Lodestar full sync")
    again = figures.get("Lodestar re-sync, nothing new")
    if bulk and full:
        rows.append(f"\nLodestar's full sync takes {full / bulk:.1f} x MLflow's bulk endpoint (goal: at most 1.5 x).")
    if full and again is not None:
        rows.append(f"A re-sync with nothing new takes {again / full:.2f} x the full sync (goal: at most 0.1 x).")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=20, help="requests per page for the latency percentiles")
    parser.add_argument("--seconds", type=int, default=30, help="load per throughput target")
    parser.add_argument("--scale", type=float, default=1.0, help="size of the main portfolio (1: the default)")
    parser.add_argument("--skip-metric-sync", action="store_true")
    args = parser.parse_args()
    url = args.database_url
    small_url = _with_db(url, urlsplit(url).path.lstrip("/") + "_small")
    from bench import latency, peer_listing, throughput

    started = time.perf_counter()
    header = [
        "# Lodestar benchmarks",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Commit: {commit()}",
        f"- Machine: {machine(url)}",
        "",
        "",
    ]
    sections = []
    step = time.perf_counter()
    big = prepare(url, args.scale)
    prepare(small_url, SMALL)
    how = "reused from an earlier run" if big["reused"] else f"generated in {big['seconds']:.0f} s"
    size = "default size" if args.scale == 1 else f"scale {args.scale:g}"
    sections.append(f"## Data ({size}, {how}; rows per second of each COPY)\n\n```\n{big['report']}\n```")
    print(f"data ready in {time.perf_counter() - step:.0f} s", file=sys.stderr)

    step = time.perf_counter()
    rows_small = _json_step("bench/latency.py", small_url, "--repeat", str(args.repeat))
    rows_big = _json_step("bench/latency.py", url, "--repeat", str(args.repeat))
    sections.append(
        f"## Page and API latency ({args.repeat} requests each, Django test client, bench.settings)\n\n"
        + latency.table(rows_big, rows_small)
        + f"\n\nQueries at {rows_big[0]['models']:,d} models beside those at {rows_small[0]['models']:,d}: the same "
        "count means the page does not grow its queries with the data. p50 and p95 with the dashboards' panel "
        "cache and the page cache emptied before each request (every request computes every figure); the repeat "
        "visit column is what a reader gets again while nothing audited changed (the inventory and the dashboards "
        "keep their page, the other pages their panels). Goal: every p95 under 300 ms."
    )
    print(f"latency in {time.perf_counter() - step:.0f} s", file=sys.stderr)

    step = time.perf_counter()
    listing = _json_step("bench/peer_listing.py", url)
    sections.append(
        "## Listing every model: Lodestar vs MLflow (over HTTP, best of 3)\n\n" + peer_listing.table(listing)
    )
    print(f"peer listing in {time.perf_counter() - step:.0f} s", file=sys.stderr)

    step = time.perf_counter()
    load = _json_step("bench/throughput.py", url, "--seconds", str(args.seconds))
    sections.append("## Throughput (locust headless on loopback)\n\n" + throughput.table(load, 16, args.seconds))
    print(f"throughput in {time.perf_counter() - step:.0f} s", file=sys.stderr)

    if not args.skip_metric_sync:
        step = time.perf_counter()
        sections.append("## Metric sync vs MLflow's bulk history endpoint (SQLite, own MLflow)\n\n" + metric_sync())
        print(f"metric sync in {time.perf_counter() - step:.0f} s", file=sys.stderr)

    step = time.perf_counter()
    verified = _run(["manage.py", "verify_audit"], url, capture_output=True).stdout.strip()
    sections.append(f"## Audit trail\n\n{verified} ({time.perf_counter() - step:.0f} s)")

    report = "\n".join(header) + "\n\n".join(sections) + f"\n\nWhole run: {time.perf_counter() - started:.0f} s.\n"
    out = ROOT / "bench" / "results" / f"{datetime.now(UTC):%Y-%m-%d}-{commit()}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(report)
    print(report)
    print(f"written to {out.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Throughput under load on loopback (figures, not a test):

    DATABASE_URL=postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_bench .venv/bin/python bench/throughput.py

Lodestar under gunicorn with 2 sync workers (bench.settings), locust headless (its own virtualenv, .venv-bench,
made by `make bench`) with 16 users that never pause, 30 s per target: the inventory list page and the executive
dashboard signed in as the executive, and beside them a bare DRF endpoint returning a constant, the ceiling of
this machine. Requests per second, p95 and errors of each. Locust runs on the same 2 cores as the server.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LOCUST = ROOT / ".venv-bench" / "bin" / "locust"

# (label, path, who is signed in): the one list of what is loaded.
TARGETS = [
    ("Inventory list", "/lifecycle/models/", "bench-exec"),
    ("Executive dashboard", "/dashboards/executive/", "bench-exec"),
    ("Signed-in constant page (floor of a signed-in page)", "/bench/signed-in/", "bench-exec"),
    ("Bare DRF endpoint (ceiling)", "/bench/constant/", None),
]


def run_locust(url: str, path: str, cookie: str, users: int, seconds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "stats"
        env = {**os.environ, "LODESTAR_PATH": path, "LODESTAR_COOKIE": cookie}
        subprocess.run(
            [str(LOCUST), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(users),
             "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--host", url, "--csv", str(prefix),
             "--only-summary", "--loglevel", "ERROR", "--exit-code-on-error", "0"],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv") as stats:
            total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    return {
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
    }


def measure(users: int = 16, seconds: int = 30) -> list[dict]:
    from bench.servers import cookie_header, gunicorn

    if not LOCUST.exists():
        raise SystemExit("locust missing: `make bench` installs it in .venv-bench")
    rows = []
    with gunicorn(workers=2) as url:
        for label, path, username in TARGETS:
            cookie = cookie_header(username) if username else ""
            rows.append({"target": label, "path": path, **run_locust(url, path, cookie, users, seconds)})
    return rows


def table(rows: list[dict], users: int = 16, seconds: int = 30) -> str:
    head = f"| Under load ({users} users, {seconds} s, gunicorn 2 workers) |"
    lines = [head + " Requests/s | p50 ms | p95 ms | Requests | Errors |", "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        figures = f"{r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['requests']:,d} | {r['errors']}"
        lines.append(f"| {r['target']} | {figures} |")
    ceiling = rows[-1]["rps"]
    shares = ", ".join(f"{r['target'].lower()} {r['rps'] / ceiling:.0%}" for r in rows[:-1])
    lines.append(f"\nShare of the ceiling: {shares} (goal: at least 50 %).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    rows = measure(args.users, args.seconds)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(table(rows, args.users, args.seconds))


if __name__ == "__main__":
    main()

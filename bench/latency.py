"""Page and API latency with query counts on the generated portfolio (figures, not a test):

    DATABASE_URL=postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_bench .venv/bin/python bench/latency.py -n 30

Through Django's test client, logged in as the executive and the data scientist the generator creates
(bench-exec, bench-ds): p50 and p95 over N requests after two warm-up requests, and the SQL query count of one
more request. PAGES below is the one list of what is measured: add a dashboard or a page there.
"""

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (label, URL, who opens it): the one list of what is measured. {model} is a production model of the
# data scientist's business unit. The users are made by bench.generate (BENCH_USERS).
EXEC, DS = "bench-exec", "bench-ds"
PAGES = [
    ("Executive dashboard", "/dashboards/executive/", (EXEC,)),
    ("Program dashboard", "/dashboards/program/", ("bench-pm",)),
    ("Review-board dashboard", "/dashboards/review-board/", ("bench-board",)),
    ("Data-science dashboard", "/dashboards/data-science/", (DS,)),
    ("Administration dashboard", "/dashboards/administration/", ("bench-admin",)),
    ("Inventory list", "/lifecycle/models/", (EXEC, DS)),
    ("Inventory API", "/api/v1/models/", (EXEC, DS)),
    ("Use-case ranking", "/portfolio/ranking/", (EXEC, DS)),
    ("Model page", "/lifecycle/models/{model}/", (EXEC, DS)),
    ("Audit list", "/audit/", (EXEC,)),
]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    logging.disable(logging.WARNING)  # refused requests would log a traceback each


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sample_model_id() -> int:
    from lifecycle.models import AIModel

    return (
        AIModel.objects.filter(use_case__business_unit__code="RETAIL", confidential=False, versions__stage="production")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def empty_caches() -> None:
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


def timed(client, url: str, repeat: int, cold: bool = False) -> list[float]:
    timings = []
    for _ in range(repeat):
        if cold:
            empty_caches()
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def measure(repeat: int = 20) -> list[dict]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lifecycle.models import AIModel

    model = sample_model_id()
    rows = []
    clients = {}
    for label, pattern, usernames in PAGES:
        for username in usernames:
            if username not in clients:
                clients[username] = Client()
                clients[username].force_login(User.objects.get(username=username))
            client = clients[username]
            url = pattern.format(model=model)
            for _ in range(2):
                client.get(url)
            # Cold: the panel and page caches emptied before each request, so every figure is computed.
            timings = timed(client, url, repeat, cold=True)
            empty_caches()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            # Count now: the captured list is a live slice of the connection's log, which the next request resets.
            query_count = len(queries)
            cached = timed(client, url, repeat)
            rows.append(
                {
                    "page": label,
                    "url": url,
                    "user": username,
                    "status": response.status_code,
                    "p50_ms": statistics.median(timings),
                    "p95_ms": percentile(timings, 0.95),
                    "queries": query_count,
                    "cached_p95_ms": percentile(cached, 0.95),
                }
            )
    rows_in_db = AIModel.objects.count()
    for row in rows:
        row["models"] = rows_in_db
    return rows


def table(rows: list[dict], other: list[dict] | None = None) -> str:
    """A Markdown table; with `other` (the same pages at another size), its query counts side by side."""
    others = {(r["page"], r["user"]): r for r in other or []}
    head = "| Page | User | Status | p50 ms | p95 ms | p95 ms, repeat visit | Queries |"
    rule = "|---|---|---:|---:|---:|---:|---:|"
    if other:
        head += f" Queries at {other[0]['models']:,d} models |"
        rule += "---:|"
    lines = [head, rule]
    for r in rows:
        line = (
            f"| {r['page']} | {r['user']} | {r['status']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} "
            f"| {r.get('cached_p95_ms', 0):.0f} | {r['queries']} |"
        )
        if other:
            small = others.get((r["page"], r["user"]))
            line += f" {small['queries'] if small else '-'} |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--repeat", type=int, default=20)
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    setup()
    rows = measure(args.repeat)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(f"{rows[0]['models']:,d} models, {args.repeat} requests each")
    print(table(rows))


if __name__ == "__main__":
    main()

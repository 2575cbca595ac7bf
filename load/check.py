"""RELIABILITY T19's thresholds on a locust stats CSV (load/run.py calls it; also by hand):

    .venv/bin/python load/check.py reports/load/locust_stats.csv

Fails (exit 1) on any failed request (a 5xx, or any answer other than the one expected), on an API read (list or
detail) whose p95 is over 500 ms, on a write whose p95 is over 1000 ms. The dashboards (pages, not the API) count
for failures but have no T19 budget: their p95 is reported. Prints a Markdown table: per request name the count,
failures, p50, p95 and verdict; then the failures locust recorded (locust_failures.csv beside the stats).
"""

import csv
import sys
from pathlib import Path

BUDGET_MS = {"read": 500, "write": 1000, "page": None}


def verdicts(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        kind = "write" if row["Type"] != "GET" else "read" if row["Name"].startswith("/api/") else "page"
        count, failures, p95 = int(row["Request Count"]), int(row["Failure Count"]), float(row["95%"] or 0)
        problems = []
        if failures:
            problems.append(f"{failures} failed")
        if BUDGET_MS[kind] and p95 > BUDGET_MS[kind]:
            problems.append(f"p95 over {BUDGET_MS[kind]} ms")
        out.append({"name": f"{row['Type']} {row['Name']}", "kind": kind, "count": count, "failures": failures,
                    "p50": float(row["50%"] or 0), "p95": p95, "problems": problems})  # fmt: skip
    return out


def table(results: list[dict], total: dict) -> str:
    lines = ["| Request | Kind | Count | Failures | p50 ms | p95 ms | Verdict |", "|---|---|---:|---:|---:|---:|---|"]
    for r in results:
        budget = BUDGET_MS[r["kind"]]
        verdict = "; ".join(r["problems"]) or (f"ok (budget {budget} ms)" if budget else "ok (no T19 budget)")
        lines.append(f"| {r['name']} | {r['kind']} | {r['count']:,d} | {r['failures']} | {r['p50']:.0f} | "
                     f"{r['p95']:.0f} | {verdict} |")  # fmt: skip
    lines.append(
        f"| All | | {int(total['Request Count']):,d} | {total['Failure Count']} | {float(total['50%']):.0f} | "
        f"{float(total['95%']):.0f} | {float(total['Requests/s']):.1f} requests/s |"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    stats = Path(argv[0] if argv else "reports/load/locust_stats.csv")
    with stats.open() as f:
        rows = list(csv.DictReader(f))
    results = verdicts(rows)
    total = next(row for row in rows if row["Name"] == "Aggregated")
    writes = sum(r["count"] for r in results if r["kind"] == "write")
    print(table(results, total))
    print(f"\nWrites: {writes / max(1, int(total['Request Count'])):.0%} of the requests.")
    failures = stats.with_name(stats.name.replace("_stats.csv", "_failures.csv"))
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            print(f"- {row['Occurrences']} x {row['Method']} {row['Name']}: {row['Error'][:300]}")
    failed = [r["name"] for r in results if r["problems"]]
    if failed or not results:
        print(f"\nT19 FAILED: {', '.join(failed) or 'no requests recorded'}")
        return 1
    print("\nT19 passed: no failed request, every p95 within its budget.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

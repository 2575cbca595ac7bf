"""RELIABILITY T19, the load half (`make load`, nightly): Lodestar under 20 locust users, checked against budgets.

    .venv/bin/python load/run.py [--database-url postgres://.../lodestar_load] [--users 20 --spawn-rate 5
                                   --run-time 5m]          # --run-time 60s: a smoke run

1. A PostgreSQL database at T19's size: the generated portfolio (10,000 models) over 50 business units and 200
   people (bench/generate.py), reused when it already holds that (bench.run.prepare).
2. An API token for each person the locust users sign in as: data scientists and program managers of different
   units, review board members, executives (tokens, not sessions: API writes then need no CSRF token).
3. gunicorn with 2 workers (bench.servers) and locust headless on the same cores:
   `locust -f load/locustfile.py --headless -u 20 -r 5 -t 5m --host <gunicorn> --csv reports/load/locust`.
4. load/check.py on the stats CSV: exit 1 on any failed request or p95 over budget.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LOCUST = ROOT / ".venv-bench" / "bin" / "locust"
DEFAULT_URL = "postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_load"
OUT = ROOT / "reports" / "load"
SIZE = ("--units", "50", "--people", "200")
# How many people of each role the locust users sign in as (each locust user takes one of its role).
CAST = {"data_scientist": 12, "program_manager": 8, "review_board": 4, "executive": 2}


def principals() -> list[dict]:
    """People of every role from the generated portfolio, those of a unit each from a different unit, with a
    fresh API token and what their writes need (their unit, a model they own)."""
    from django.contrib.auth.models import User

    from bench.servers import cookie_header
    from core.roles import ROLE_BY_KEY
    from core.tokens import api_token_issue
    from lifecycle.models import AIModel

    cast = []
    for role, count in CAST.items():
        people = User.objects.filter(groups__name=ROLE_BY_KEY[role].name, username__contains="-").order_by("pk")
        seen_units = set()
        for user in people:
            unit = user.business_unit_memberships.values_list("business_unit_id", flat=True).first()
            if unit is not None and unit in seen_units:
                continue
            owned = list(AIModel.objects.filter(owners=user).order_by("pk").values_list("pk", flat=True)[:20])
            if role == "data_scientist" and not owned:
                continue
            seen_units.add(unit)
            token = api_token_issue(user=user, name="load test")[1]  # a fresh one: tokens expire
            cookies = cookie_header(user.username)
            cast.append({"role": role, "username": user.username, "token": token, "cookies": cookies, "unit": unit,
                         "models": owned})  # fmt: skip
            if sum(p["role"] == role for p in cast) == count:
                break
    return cast


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="5m", help="locust's -t: 5m, or 60s for a smoke run")
    parser.add_argument("--prepare-only", action="store_true", help="make the database and stop")
    args = parser.parse_args()
    if not LOCUST.exists():
        raise SystemExit("locust missing: `make load` installs it in .venv-bench")
    from bench.run import prepare

    data = prepare(args.database_url, 1.0, *SIZE)
    print("data " + ("reused" if data["reused"] else f"generated in {data['seconds']:.0f} s"), file=sys.stderr)
    if args.prepare_only:
        return 0
    os.environ.update(DATABASE_URL=args.database_url, DJANGO_SETTINGS_MODULE="bench.settings")
    import django

    django.setup()
    from bench.servers import gunicorn
    from load import check

    OUT.mkdir(parents=True, exist_ok=True)
    cast = OUT / "principals.json"
    cast.write_text(json.dumps(principals(), indent=1))
    with gunicorn(workers=2, log=OUT / "gunicorn.log") as host:
        subprocess.run(
            [str(LOCUST), "-f", str(ROOT / "load" / "locustfile.py"), "--headless", "-u", str(args.users),
             "-r", str(args.spawn_rate), "-t", args.run_time, "--host", host, "--csv", str(OUT / "locust"),
             "--only-summary", "--exit-code-on-error", "0"],
            cwd=ROOT, env={**os.environ, "LOAD_PRINCIPALS": str(cast)}, check=True,
        )  # fmt: skip
    return check.main([str(OUT / "locust_stats.csv")])


if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# Entrypoint of the Lodestar image.
#   migrate   wait for the database, apply migrations, and load the demo data when LODESTAR_SEED_DEMO=1
#             (the one-shot `migrate` service of docker-compose.yml; web, worker and beat wait for it)
#   anything else is run as given (gunicorn by default, or celery ... from docker-compose.yml).
set -eu

wait_for_db() {
    python - <<'PY'
import sys
import time

import django

django.setup()
from django.db import connection
from django.db.utils import OperationalError

deadline = time.monotonic() + 60
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"database still unreachable after 60 s: {exc}")
        print("waiting for the database ...", flush=True)
        time.sleep(2)
PY
}

case "${1:-}" in
    migrate)
        wait_for_db
        python manage.py migrate --noinput
        if [ "${LODESTAR_SEED_DEMO:-0}" = "1" ]; then
            python manage.py seed_demo
        fi
        ;;
    *)
        exec "$@"
        ;;
esac

#!/usr/bin/env bash
# Run Lodestar on the embedded defaults: a local MLflow server on a SQLite file under var/,
# a Celery worker and beat on the file-system broker, and the web server on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/log var/mlflow
export MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
export MLFLOW_TRACKING_URI="${MLFLOW_TRACKING_URI:-http://127.0.0.1:5055}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if ! curl -sf -o /dev/null "$MLFLOW_TRACKING_URI/health"; then
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false .venv-mlflow/bin/mlflow server \
    --backend-store-uri "sqlite:///$PWD/var/mlflow/mlflow.db" --default-artifact-root "$PWD/var/mlflow/artifacts" \
    --host 127.0.0.1 --port 5055 --workers 2 > var/log/mlflow.log 2>&1 &
  pids+=($!)
fi
.venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 > var/log/celery-worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO > var/log/celery-beat.log 2>&1 &
pids+=($!)
echo "MLflow, the Celery worker and beat are starting (logs in var/log/)."
# Fill MLflow with models, versions and runs and register them (once; it waits for the server).
.venv/bin/python manage.py seed_mlflow_demo
# The sign-in table last, right above the web server's own few lines.
.venv/bin/python manage.py seed_demo --accounts
echo "Ctrl-C stops everything."
.venv/bin/python manage.py runserver 127.0.0.1:8000

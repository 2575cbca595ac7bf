# Lodestar: `make demo` runs it with demo data; `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MLFLOW_VENV := .venv-mlflow
MLFLOW_VERSION := 3.17.2
# The load generator lives in its own virtualenv (gevent stays out of Lodestar's); same pin as the `bench` extra.
BENCH_VENV := .venv-bench
LOCUST_VERSION := 2.47.0
BENCH_DATABASE_URL ?= postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_bench
LOAD_DATABASE_URL ?= postgres://lodestar:lodestar@127.0.0.1:5432/lodestar_load
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := true

.PHONY: demo test test-fast chaos lint format migrate seed bench load clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(MLFLOW_VENV)/.installed:
	test -x $(MLFLOW_VENV)/bin/python || $(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/pip install --quiet "mlflow==$(MLFLOW_VERSION)"
	touch $@

$(BENCH_VENV)/.installed:
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet "locust==$(LOCUST_VERSION)"
	touch $@

static/vendor/plotly.min.js: $(VENV)/.installed
	$(PY) manage.py vendor_assets

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

demo: $(VENV)/.installed $(MLFLOW_VENV)/.installed static/vendor/plotly.min.js seed
	scripts/demo.sh

# Everything but the browser on both cores, then the browser tests (one Chromium at a time).
test: $(VENV)/.installed $(MLFLOW_VENV)/.installed static/vendor/plotly.min.js
	scripts/ensure_chromium.sh
	$(PY) -m pytest -m "not e2e and not chaos" -n 2 $(PYTEST_ARGS)
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not e2e and not integration and not chaos" $(PYTEST_ARGS)

# The long hostile runs (RELIABILITY T05 for four roles, T16's twenty SIGKILLs): minutes, not every CI run.
chaos: $(VENV)/.installed $(MLFLOW_VENV)/.installed
	$(PY) -m pytest -m chaos -p no:randomly $(PYTEST_ARGS)
	LODESTAR_FUZZ_ROLES=program_manager,review_board,data_scientist,executive LODESTAR_FUZZ_SCALE=3 \
		$(PY) -m pytest tests/hostile/test_fuzz_api.py -p no:randomly -s $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -r config core audit notifications portfolio lifecycle governance compliance sourcing monitoring dashboards \
		-x '*/migrations/*' --severity-level high
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Figures, not tests: the portfolio at enterprise size in PostgreSQL, latency, MLflow side by side, load.
bench: $(VENV)/.installed $(MLFLOW_VENV)/.installed $(BENCH_VENV)/.installed
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run.py $(BENCH_ARGS)

# RELIABILITY T19, nightly: 20 locust users for 5 minutes on gunicorn (2 workers), then the budgets in load/check.py.
# LOAD_ARGS="--run-time 60s" for a smoke run; the CSVs land in reports/load/.
load: $(VENV)/.installed $(BENCH_VENV)/.installed
	LOAD_DATABASE_URL=$(LOAD_DATABASE_URL) $(PY) load/run.py $(LOAD_ARGS)

clean:
	rm -rf var/ static/vendor/plotly.min.js

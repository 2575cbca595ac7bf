"""The API shell: schema, docs, error bodies, pagination, deploy configuration."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/v1/use-cases/",
        "/api/v1/business-units/",
        "/api/v1/audit-events/",
        "/api/v1/audit-events/verify/",
        "/api/v1/auth/token/",
    ):
        assert f"{path}:" in text


def test_swagger_ui_is_served_from_local_assets(client, db, make_user):
    client.force_login(make_user("reader"))
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()


def test_lists_are_paginated_with_count_next_previous_results(units, make_user, api):
    body = api(make_user("reader")).get("/api/v1/business-units/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_invalid_input_names_the_fields(units, make_user, api):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    response = api(pm).post(
        "/api/v1/use-cases/", {"title": "", "business_unit": 999, "estimated_value": "-5"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert {"title", "business_unit", "estimated_value"} <= set(body)
    assert body["detail"].startswith("Invalid input")


def test_unknown_ids_answer_404_in_words(make_user, api):
    response = api(make_user("reader")).get("/api/v1/use-cases/424242/")
    assert response.status_code == 404
    assert "Not found" in response.json()["detail"]


@pytest.mark.parametrize("settings_module", ["config.settings.production"])
def test_check_deploy_prints_no_warning_with_debug_off_and_real_secrets(settings_module):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "lodestar.example.com",
        "CACHE_REDIS_URL": "redis://127.0.0.1:6379/2",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' conftest, never in production
    result = _check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "System check identified no issues" in result.stdout

    # Without a shared cache each worker would count rate limits and webhook deliveries alone.
    result = _check_deploy({**env, "CACHE_REDIS_URL": ""})
    assert result.returncode != 0 and "lodestar.W001" in result.stderr and "CACHE_REDIS_URL" in result.stderr


def _check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_health_answers_ok(client, db):
    assert client.get("/health/").json() == {"status": "ok"}


def test_the_health_task_reaches_the_database(db):
    from core.tasks import health

    assert health.delay().get(timeout=10)["status"] == "ok"


def test_tasks_retry_transient_errors_with_backoff():
    from django.db import OperationalError

    from config.celery import app
    from core.tasks import health

    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
    assert OperationalError in health.autoretry_for and health.retry_backoff and health.retry_jitter
    assert ValueError not in health.autoretry_for  # a bug is not retried: it would fail the same way

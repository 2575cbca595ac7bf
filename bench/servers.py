"""Real servers for the benchmarks: Lodestar under gunicorn (bench.settings) and a signed-in session for it."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from bench.metric_sync import _port

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def gunicorn(workers: int = 2, log: Path | None = None):
    """Lodestar under gunicorn on loopback with bench.settings; yields its base URL."""
    port = _port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    out = (log or Path(os.devnull)).open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "-" if log else os.devnull, "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if requests.get(f"{url}/health/", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                time.sleep(0.25)
        else:
            raise SystemExit("gunicorn did not start")
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        out.close()


def session_cookie(username: str) -> dict:
    """The cookies a browser signed in as `username` holds (its session in the database gunicorn uses, and the
    CSRF cookie the first page set), by name."""
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(reverse("home"), follow=True)
    return {name: morsel.value for name, morsel in client.cookies.items()}


def cookie_header(username: str) -> str:
    """`session_cookie` as the Cookie header a browser sends."""
    return "; ".join(f"{name}={value}" for name, value in session_cookie(username).items())

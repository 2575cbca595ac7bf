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
    """A session for `username` in the database gunicorn uses, as the cookie a browser would send."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username=username))
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}

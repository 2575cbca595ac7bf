import time

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dashboards import mlflow_demo
from dashboards.demo_console import mail_held_back
from monitoring.health import health_check_all


class Command(BaseCommand):
    help = "Fill the MLflow server with demo models and runs, and register most of them in Lodestar. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=int, default=90, help="Seconds to wait for the MLflow server.")

    def handle(self, *args, wait, **options):
        deadline = time.monotonic() + wait
        while True:
            try:
                if requests.get(settings.MLFLOW_TRACKING_URI.rstrip("/") + "/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise CommandError(f"MLflow at {settings.MLFLOW_TRACKING_URI} did not answer within {wait} s.")
            time.sleep(1)
        with mail_held_back():
            counts = mlflow_demo.seed()
            if counts.get("skipped"):
                self.stdout.write("MLflow demo already registered.")
                return
            self.stdout.write(
                f"MLflow demo: {counts['versions']} versions logged, {counts['models']} models registered in "
                f"Lodestar, {counts['ungoverned']} left for discovery."
            )
            call_command("sync_mlflow", stdout=self.stdout)
            # The hourly health check would leave the new production models unchecked for the first hour.
            checked = health_check_all()
        self.stdout.write(f"Health checked: {checked}.")

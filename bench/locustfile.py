"""Locust users for bench/throughput.py: each requests one path again and again, with no pause, signed in
through the session cookie in LODESTAR_COOKIE (empty for the constant endpoint)."""

import os

from locust import FastHttpUser, constant, task


class PathUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def fetch(self):
        headers = {"Cookie": os.environ["LODESTAR_COOKIE"]} if os.environ.get("LODESTAR_COOKIE") else {}
        with self.client.get(os.environ["LODESTAR_PATH"], headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

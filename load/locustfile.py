"""The people of RELIABILITY T19 under load (load/run.py starts them against gunicorn):

    locust -f load/locustfile.py --headless -u 20 -r 5 -t 5m --host http://127.0.0.1:8000 --csv reports/load/locust

Each locust user signs in as one person of the generated portfolio (LOAD_PRINCIPALS, written by load/run.py: an
API token and the cookies of a signed-in browser each): data scientists and program managers of different units, review
board members, executives. Four requests in five read (inventory, versions, use cases, the ranking, concerns, the audit
trail, their dashboard; random page sizes and filters), one writes through the API what that person would write
(a use case in their unit and its problem statement, a version of a model they own, a model's description, a
concern). Every answer is checked for its expected status. Requests are named by method and endpoint, so the CSV
groups them and load/check.py can tell reads from writes. People pause 1 to 3 s between requests.
"""

import itertools
import json
import os
import random
import uuid
from pathlib import Path

from locust import FastHttpUser, between, task

PRINCIPALS = json.loads(Path(os.environ["LOAD_PRINCIPALS"]).read_text())
PAGE_SIZES = (10, 25, 50, 100)
WORDS = ("churn", "fraud", "credit", "claims", "pricing", "forecast", "triage", "document")
STAGES = ("production", "staging", "registered", "in_validation", "retired")
STATUSES = ("live", "in_delivery", "approved", "proposed", "assessing")
TIERS = ("low", "medium", "high", "critical")
_turn = {role: itertools.count() for role in {p["role"] for p in PRINCIPALS}}


class Person(FastHttpUser):
    abstract = True
    role = ""
    dashboard = ""
    wait_time = between(1, 3)

    def on_start(self):
        cast = [p for p in PRINCIPALS if p["role"] == self.role]
        self.me = cast[next(_turn[self.role]) % len(cast)]
        self.api_headers = {"Authorization": f"Token {self.me['token']}"}
        self.page_headers = {"Cookie": self.me["cookies"]}
        self.seen = {"models": [], "model-versions": [], "use-cases": []}
        self.mine: list[int] = []  # use cases this person created

    # Plumbing: one request, named by endpoint, its status checked.
    def call(self, method: str, path: str, name: str, expected: int = 200, **kwargs):
        headers = self.page_headers if not path.startswith("/api/") else self.api_headers
        with self.client.request(method, path, name=name, headers=headers, catch_response=True, **kwargs) as r:
            if r.status_code != expected:
                r.failure(f"{r.status_code}, expected {expected}: {(r.text or '')[:200]}")
                return None
            return r.json() if path.startswith("/api/") else r

    def list(self, resource: str, **filters):
        query = "&".join(f"{k}={v}" for k, v in {"page_size": random.choice(PAGE_SIZES), **filters}.items())
        body = self.call("GET", f"/api/v1/{resource}/?{query}", f"/api/v1/{resource}/")
        if body and resource in self.seen and body["results"]:
            self.seen[resource] = [row["id"] for row in body["results"]]
        return body

    def detail(self, resource: str):
        if not self.seen[resource]:
            return self.list(resource)
        pk = random.choice(self.seen[resource])
        return self.call("GET", f"/api/v1/{resource}/{pk}/", f"/api/v1/{resource}/{{id}}/")

    # Reads: weights add up to 8 in every role, beside writes adding up to 2.
    @task(2)
    def models(self):
        filters = random.choice(({}, {"q": random.choice(WORDS)}, {"ordering": "-created_at"}, {"third_party": "true"}))
        self.list("models", **filters)

    @task(1)
    def model(self):
        self.detail("models")

    @task(1)
    def versions(self):
        self.list("model-versions", **random.choice(({}, {"stage": random.choice(STAGES)})))

    @task(1)
    def version(self):
        self.detail("model-versions")

    @task(1)
    def use_cases(self):
        filters = random.choice(({}, {"status": random.choice(STATUSES)}, {"risk_tier": random.choice(TIERS)}))
        self.list("use-cases", **filters)

    @task(1)
    def use_case(self):
        self.detail("use-cases")

    @task(1)
    def board(self):
        """The person's dashboard, or the ranking and the concerns they follow."""
        if self.dashboard and random.random() < 0.5:
            self.call("GET", self.dashboard, self.dashboard)
        else:
            self.list(random.choice(("ranking", "concerns")))

    # Writes anyone may make.
    def raise_concern(self):
        if not self.seen["use-cases"]:
            return self.list("use-cases")
        body = {"use_case": random.choice(self.seen["use-cases"]), "kind": "fairness",
                "description": "Under load: does it treat thin-file customers fairly?"}  # fmt: skip
        return self.call("POST", "/api/v1/concerns/", "/api/v1/concerns/", 201, json=body)


class DataScientist(Person):
    weight = 10
    role = "data_scientist"
    dashboard = "/dashboards/data-science/"

    @task(1)
    def register_version(self):
        model = random.choice(self.me["models"])
        body = {"model": model, "version": f"load-{uuid.uuid4().hex[:10]}", "metrics": {"auc": 0.9}}
        self.call("POST", "/api/v1/model-versions/", "/api/v1/model-versions/", 201, json=body)

    @task(1)
    def describe_model(self):
        if random.random() < 0.5:
            return self.raise_concern()
        body = {"description": f"Scores churn; reviewed {uuid.uuid4().hex[:6]}."}
        model = random.choice(self.me["models"])
        return self.call("PATCH", f"/api/v1/models/{model}/", "/api/v1/models/{id}/", json=body)


class ProgramManager(Person):
    weight = 6
    role = "program_manager"
    dashboard = "/dashboards/program/"

    @task(1)
    def propose_use_case(self):
        body = {"title": f"Load {random.choice(WORDS)} {uuid.uuid4().hex[:8]}", "business_unit": self.me["unit"],
                "problem_statement": "Too much manual work."}  # fmt: skip
        created = self.call("POST", "/api/v1/use-cases/", "/api/v1/use-cases/", 201, json=body)
        if created:
            self.mine.append(created["id"])

    @task(1)
    def restate_problem(self):
        if not self.mine:
            return self.propose_use_case()
        body = {"problem_statement": f"Manual work costs {random.randrange(2, 40)} FTE."}
        pk = random.choice(self.mine)
        return self.call("PATCH", f"/api/v1/use-cases/{pk}/", "/api/v1/use-cases/{id}/", json=body)


class Overseer(Person):
    """Review board members and executives: their only write is a concern."""

    abstract = True

    @task(2)
    def concern(self):
        self.raise_concern()


class ReviewBoard(Overseer):
    weight = 3
    role = "review_board"
    dashboard = "/dashboards/review-board/"


class Executive(Overseer):
    weight = 1
    role = "executive"
    dashboard = "/dashboards/executive/"

    @task(1)
    def audit_trail(self):
        self.list("audit-events", **random.choice(({}, {"target_type": "lifecycle.aimodel"})))

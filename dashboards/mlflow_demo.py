"""The demo's MLflow half: fill the local MLflow server with registered models, versions and runs (as ML
pipelines would), register most of them in Lodestar from MLflow through the same services as the browser,
and walk them through the stage machine; the rest wait as discovery proposals.

Runs once the MLflow server is up (`scripts/demo.sh` calls `manage.py seed_mlflow_demo`)."""

import random
import time
from contextlib import suppress
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.exceptions import ApplicationError
from governance import demo as governance_demo
from governance.choices import ReviewStatus
from governance.models import Review
from lifecycle import datasets, discovery, services
from lifecycle.choices import Stage
from lifecycle.models import AIModel, Dataset, FreezeWindow, ModelVersion
from monitoring import services as monitoring

FLAVOURS = ("xgb", "challenger", "segment-b")
FRAMEWORKS = ("xgboost", "lightgbm", "scikit-learn", "pytorch")
SIGNATURE_INPUTS = '[{"name": "amount", "type": "double"}, {"name": "tenure_months", "type": "long"}]'
# The stages each flavour's versions end in, by the use case's status (the last version walks furthest).
ENDINGS = {
    "live": {"xgb": [Stage.DEPRECATED, Stage.PRODUCTION], "challenger": [Stage.STAGING], "segment-b": [Stage.REJECTED]},
    "in_delivery": {
        "xgb": [Stage.PENDING_APPROVAL],
        "challenger": [Stage.IN_VALIDATION],
        "segment-b": [Stage.REGISTERED],
    },
    "approved": {"xgb": [Stage.APPROVED], "challenger": [Stage.IN_VALIDATION], "segment-b": [Stage.REGISTERED]},
}
WALK = [Stage.IN_VALIDATION, Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.STAGING, Stage.PRODUCTION]


class MlflowFiller:
    """Writes to MLflow's REST API, as a training pipeline does."""

    def __init__(self, uri: str):
        self.api = uri.rstrip("/") + "/api/2.0/mlflow/"
        self.session = requests.Session()

    def post(self, path: str, body: dict) -> dict:
        response = self.session.post(self.api + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def experiment(self, name: str) -> str:
        found = self.session.get(self.api + "experiments/get-by-name", params={"experiment_name": name}, timeout=30)
        if found.ok:
            return found.json()["experiment"]["experiment_id"]
        return self.post("experiments/create", {"name": name})["experiment_id"]

    def run(self, experiment: str, *, metrics: dict, params: dict, tags: dict, history: dict | None = None) -> str:
        now = int(time.time() * 1000)
        run_id = self.post("runs/create", {"experiment_id": experiment, "start_time": now})["run"]["info"]["run_id"]
        points = [{"key": k, "value": v, "timestamp": now, "step": 0} for k, v in metrics.items()]
        for key, values in (history or {}).items():
            day = 86_400_000
            points += [
                {"key": key, "value": v, "timestamp": now - (len(values) - i) * day, "step": i}
                for i, v in enumerate(values)
            ]
        for start in range(0, len(points), 900):  # MLflow takes at most 1,000 metrics per batch
            self.post(
                "runs/log-batch",
                {
                    "run_id": run_id,
                    "metrics": points[start : start + 900],
                    "params": [{"key": k, "value": v} for k, v in params.items()] if start == 0 else [],
                    "tags": [{"key": k, "value": v} for k, v in tags.items()] if start == 0 else [],
                },
            )
        return run_id

    def version(self, name: str, run_id: str, *, model_tags: dict | None = None) -> str:
        exists = self.session.get(self.api + "registered-models/get", params={"name": name}, timeout=30)
        if not exists.ok:
            tags = [{"key": k, "value": v} for k, v in (model_tags or {}).items()]
            self.post("registered-models/create", {"name": name, "tags": tags})
        created = self.post(
            "model-versions/create",
            {
                "name": name,
                "source": f"runs:/{run_id}/model",
                "run_id": run_id,
                "tags": [{"key": "signature.inputs", "value": SIGNATURE_INPUTS}],
            },
        )
        return created["model_version"]["version"]


def _slug(title: str) -> str:
    return title.lower().replace("&", "and").replace(" ", "-")[:48]


def _walk(version, *, to: str, owner, reviewer) -> None:
    """Through the stage machine to `to`, with the real gates (a deployment before production, a signed
    review before approval)."""
    if to == Stage.REJECTED:
        services.model_version_transition(actor=owner, version=version, to_stage=Stage.REJECTED, reason="Demo.")
        return
    for stage in WALK[: WALK.index(to) + 1] if to in WALK else []:
        if stage == Stage.PRODUCTION or stage == Stage.STAGING:
            services.deployment_record(
                actor=owner,
                version=version,
                environment="production" if stage == Stage.PRODUCTION else "staging",
                status="active",
                endpoint=f"https://ml.internal/{version.model.name}/v{version.version}",
                runtime={"regions": ["eu-west-1"], "replicas": [2, 6], "auth": "mTLS via the API gateway"},
            )
        if stage == Stage.APPROVED:
            governance_demo.sign_review(version)
            if not Review.objects.filter(version=version, status=ReviewStatus.APPROVED).exists():
                return  # the demo's signers cannot cover every function of this tier: the review waits
        services.model_version_transition(
            actor=reviewer if stage == Stage.APPROVED else owner, version=version, to_stage=stage, reason="Demo."
        )


@transaction.atomic
def seed(*, per_use_case: int = 3, leave_ungoverned: int = 4) -> dict:
    """Returns counts. Does nothing when Lodestar already governs MLflow models (safe to run again)."""
    from portfolio.models import UseCase

    if AIModel.objects.exclude(mlflow_name="").exists():
        return {"skipped": True}
    filler, rng = MlflowFiller(settings.MLFLOW_TRACKING_URI), random.Random(42)
    experiment = filler.experiment("lodestar-demo")
    ds, ds2, reviewer = (User.objects.get(username=n) for n in ("ds", "ds2", "rb"))
    data = {
        d.business_unit.code if d.business_unit else "shared": d
        for d in Dataset.objects.select_related("business_unit")
    }
    counts = {"models": 0, "versions": 0, "ungoverned": 0}
    spends: dict[str, float] = {}  # model name: its last 30 days of spend, for its budget
    use_cases = UseCase.objects.filter(status__in=ENDINGS).select_related("business_unit").order_by("number")
    for use_case in use_cases:
        owner = ds if use_case.business_unit.code == "RETAIL" else ds2
        for flavour in FLAVOURS[:per_use_case]:
            name = f"{_slug(use_case.title)}-{flavour}"
            endings = ENDINGS[use_case.status][flavour]
            for number, ending in enumerate(endings, start=1):
                auc = round(rng.uniform(0.84, 0.95), 3)
                history = None
                if ending in (Stage.PRODUCTION, Stage.STAGING):  # incumbents, and candidates in canary or shadow
                    drift = 0.02 if number % 2 else 0.0
                    history = {
                        "psi": [round(0.05 + drift * i / 10 + rng.uniform(0, 0.02), 4) for i in range(30)],
                        "latency_p95_ms": [round(rng.uniform(80, 140), 1) for _ in range(30)],
                        "cost_usd": _daily_cost(rng, climbing=not spends),
                    }
                    spends[name] = sum(history["cost_usd"][-30:])
                run_id = filler.run(
                    experiment,
                    metrics={
                        "auc": auc,
                        "recall": round(rng.uniform(0.82, 0.93), 3),
                        "precision": round(rng.uniform(0.7, 0.9), 3),
                    },
                    params={"max_depth": str(rng.randrange(3, 9)), "learning_rate": "0.05"},
                    tags={"framework": rng.choice(FRAMEWORKS)},
                    history=history,
                )
                mlflow_version = filler.version(name, run_id, model_tags={"lodestar.use_case": use_case.code})
                counts["versions"] += 1
                if (
                    counts["ungoverned"] < leave_ungoverned
                    and flavour == FLAVOURS[per_use_case - 1]
                    and use_case.status != "live"
                ):
                    counts["ungoverned"] += 1  # left for discovery to propose
                    continue
                version = services.model_version_import(
                    actor=owner, mlflow_name=name, mlflow_version=mlflow_version, use_case=use_case
                )
                counts["models"] += number == 1
                if ending != Stage.REGISTERED:
                    for role, dataset in (
                        ("training", data.get(use_case.business_unit.code)),
                        ("reference", data.get("shared")),
                    ):
                        if dataset is not None:
                            datasets.version_dataset_link(actor=owner, version=version, dataset=dataset, role=role)
                _walk(
                    version,
                    to=Stage.PRODUCTION if ending == Stage.DEPRECATED else ending,
                    owner=owner,
                    reviewer=reviewer,
                )
    _rollouts(ds=ds, ds2=ds2)
    _budgets(spends)
    discovery.mlflow_models_discover()
    return counts


COST_DAYS = 200  # daily spend logged for production candidates: several months for the cost forecast


def _daily_cost(rng: random.Random, *, climbing: bool) -> list[float]:
    """Daily spend in USD, slowly growing, quieter at weekends; `climbing`: a bigger model for the last 80 days."""
    base, growth = rng.uniform(120, 240), rng.uniform(0.05, 0.3)
    return [
        round(max(0.0, (base + growth * d) * (0.8 if d % 7 in (5, 6) else 1.0) + rng.gauss(0, 8)), 2)
        + (3.0 * (d - 120) if climbing and d > 120 else 0.0)
        for d in range(COST_DAYS)
    ]


def _budgets(spends: dict[str, float]) -> None:
    """A monthly budget for every model serving production, a fifth above its last 30 days of spend; the first
    one logged (climbing) gets the budget it had before it grew, and is over it."""
    pm = User.objects.get(username="pm")
    since = (timezone.now().date() - timedelta(days=COST_DAYS)).replace(day=1)
    climbing = next(iter(spends), None)
    for model in AIModel.objects.filter(name__in=spends, versions__stage=Stage.PRODUCTION).distinct():
        if model.name == climbing:
            note = "Set before the model was replaced by a bigger one."
            monitoring.budget_set(actor=pm, model=model, monthly_amount=6_000, valid_from=since, note=note)
        else:
            amount = round(spends[model.name] * 1.2, -2)
            monitoring.budget_set(actor=pm, model=model, monthly_amount=amount, valid_from=since)


def _rollouts(*, ds, ds2) -> None:
    """A canary and a shadow beside their incumbents, and the year-end freeze."""
    staging = list(
        ModelVersion.objects.filter(stage=Stage.STAGING, model__mlflow_name__gt="").select_related("model")[:2]
    )
    for version, strategy in zip(staging, ("canary", "shadow"), strict=False):
        owner = version.model.owners.first()
        services.deployment_record(
            actor=owner,
            version=version,
            environment="production",
            strategy=strategy,
            traffic_percent=10 if strategy == "canary" else None,
            status="active",
            started_at=timezone.now() - timedelta(days=3),
            endpoint=f"https://ml.internal/{version.model.name}/v{version.version}-{strategy}",
            runtime={"regions": ["eu-west-1"], "replicas": [1, 2], "requests_logged_to": "s3://inference-logs/"},
        )
    # One rollback: the newest production version is suspended, its predecessor restored.
    rolled = AIModel.objects.exclude(mlflow_name="").filter(versions__stage=Stage.DEPRECATED).order_by("name").first()
    if rolled is not None:
        # A rollback meets production's gates: should one hold the earlier version, the demo goes without it.
        with suppress(ApplicationError):
            services.model_rollback(
                actor=rolled.owners.first(), model=rolled, reason="Demo: latency doubled after release; back to v1."
            )
    if not FreezeWindow.objects.exists():
        year = timezone.localdate().year
        start = timezone.make_aware(datetime(year, 12, 18))
        services.freeze_window_create(
            actor=User.objects.get(username="admin"),
            name=f"Year-end freeze {year}",
            start=start,
            end=start + timedelta(days=17),
            reason="Financial close: no production releases without an emergency approval.",
        )

"""Demo monitoring: 90 days of drift, performance, latency and cost for the production versions, generated
locally (no MLflow needed), a few rules, and the alerts they open: one model drifting, one with a latency
spike, one over budget. The drifting model's AUC rule opens a retraining request; another model has a manual
one in progress and a schedule; the health check then shows bad, warning and good models."""

import math
import random
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring import health, retraining, services
from monitoring.models import AlertRule, MetricDefinition, MetricSeries, SyncRun
from monitoring.sync import series_store

DAYS = 90
DAY_MS = 86_400_000


def _histories(rng: random.Random, role: str) -> dict[str, list[float]]:
    """Daily values per metric; `role` bends one of them: drifting, slow, costly or healthy."""
    psi = [abs(rng.gauss(0.06, 0.015)) for _ in range(DAYS)]
    auc = [0.9 + rng.gauss(0, 0.004) for _ in range(DAYS)]
    latency = [110 + 8 * math.sin(d / 7) + rng.gauss(0, 3) for d in range(DAYS)]
    cost = [180 + rng.gauss(0, 10) for _ in range(DAYS)]
    if role == "drifting":
        for d in range(60, DAYS):
            psi[d] += 0.009 * (d - 60)
            auc[d] -= 0.0025 * (d - 60)
    elif role == "slow":
        for d in range(DAYS - 4, DAYS):
            latency[d] += 260
    elif role == "costly":
        cost = [180 + 4.5 * d + rng.gauss(0, 10) for d in range(DAYS)]
    return {"psi": psi, "auc": auc, "latency_p95_ms": latency, "cost_usd": cost}


def _rules(owners: dict) -> None:
    metric = {d.name: d for d in MetricDefinition.objects.all()}
    for unit, owner in owners.items():
        common = {"scope_kind": "business_unit", "business_unit": unit}
        services.alert_rule_create(
            actor=owner,
            name=f"PSI drift above 0.2 ({unit.code})",
            metric=metric["psi"],
            condition="above",
            threshold=0.2,
            severity="critical",
            action="block_promotion",
            **common,
        )
        services.alert_rule_create(
            actor=owner,
            name=f"AUC down 5 % from launch ({unit.code})",
            metric=metric["auc"],
            condition="relative_change",
            threshold=0.05,
            window=14,
            action="retrain",
            **common,
        )
        services.alert_rule_create(
            actor=owner,
            name=f"Latency p95 spike ({unit.code})",
            metric=metric["latency_p95_ms"],
            condition="zscore",
            threshold=4,
            window=14,
            **common,
        )
        services.alert_rule_create(
            actor=owner,
            name=f"Daily cost above 450 USD ({unit.code})",
            metric=metric["cost_usd"],
            condition="above",
            threshold=450,
            severity="info",
            **common,
        )


@transaction.atomic
def seed() -> None:
    if AlertRule.objects.exists() or MetricSeries.objects.exists():
        return
    versions = list(
        ModelVersion.objects.filter(stage=Stage.PRODUCTION)
        .select_related("model__use_case__business_unit")
        .order_by("pk")
    )
    if not versions:
        return
    ds, ds2 = User.objects.get(username="ds"), User.objects.get(username="ds2")
    units = {v.model.use_case.business_unit for v in versions}
    _rules({unit: ds if unit.code == "RETAIL" else ds2 for unit in units})
    rng = random.Random(26)
    start = int((timezone.now() - timedelta(days=DAYS)).timestamp() * 1000)
    catalogue = {d.name: d for d in MetricDefinition.objects.all()}
    roles = ["drifting", "slow", "costly"]
    for index, version in enumerate(versions):
        role = roles[index] if index < len(roles) else "healthy"
        for name, values in _histories(rng, role).items():
            series = MetricSeries.objects.create(
                model_version=version, run_id=f"demo-monitor-{version.pk}", metric=catalogue[name]
            )
            # Stored week by week, as a daily sync would: rules judge each week's new points.
            for week in range(0, DAYS, 7):
                chunk = [(d, start + d * DAY_MS, round(values[d], 4)) for d in range(week, min(week + 7, DAYS))]
                series_store(series_id=series.pk, points=chunk)
    SyncRun.objects.create(
        status="succeeded", trigger="demo", versions_total=len(versions), versions_done=len(versions)
    )
    SyncRun.objects.filter(trigger="demo").update(finished_at=timezone.now())
    _retraining(versions)
    health.health_check_all()


def _retraining(versions) -> None:
    """A manual request being worked on the slow model, and a quarterly schedule on the costly one."""
    if len(versions) < 3:
        return
    slow, costly = versions[1].model, versions[2].model
    owner = slow.owners.order_by("pk").first()
    request = retraining.retraining_request_open(
        actor=owner,
        model=slow,
        notes="Latency crept up after the feature store migration; retrain on the new features.",
    )
    retraining.retraining_request_start(actor=owner, request=request, note="Training run scheduled for Monday.")
    retraining.retraining_schedule_set(actor=costly.owners.order_by("pk").first(), model=costly, every_days=90)

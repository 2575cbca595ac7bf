"""Demo monitoring: 90 days of drift, performance and latency and 7 months of cost for the production versions,
generated locally (no MLflow needed), a few rules and the alerts they open (one model drifting, one with a
latency spike, one over budget), monthly budgets, a KPI fed by the models' AUC, and value contracts on three
use cases realised after each weekly batch (the alerts on their metrics carry the money they put at risk). The
drifting model's AUC rule opens a retraining request and its severe drift proposes a rollback to its previous
version; another model has a manual request in progress and a schedule; the health check then shows bad,
warning and good models."""

import math
import random
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.permissions import can
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring import cost, currency, feedback, health, kpi_feed, retraining, services, value
from monitoring.models import AlertRule, Feedback, MetricDefinition, MetricSeries, SyncRun
from monitoring.sync import series_store
from portfolio import services as portfolio
from portfolio.models import BusinessUnit, UseCaseObjective

DAYS = 90
COST_DAYS = 210  # seven months of spend: enough complete months for the cost forecast
DAY_MS = 86_400_000


def _histories(rng: random.Random, role: str) -> dict[str, list[float]]:
    """Daily values per metric; `role` bends one of them: drifting, slow, costly or healthy."""
    psi = [abs(rng.gauss(0.06, 0.015)) for _ in range(DAYS)]
    auc = [0.9 + rng.gauss(0, 0.004) for _ in range(DAYS)]
    latency = [110 + 8 * math.sin(d / 7) + rng.gauss(0, 3) for d in range(DAYS)]
    # Spend grows slowly with traffic; weekends are quieter.
    base, growth = rng.uniform(120, 240), rng.uniform(0.05, 0.35)
    cost = [(base + growth * d) * (0.8 if d % 7 in (5, 6) else 1.0) + rng.gauss(0, 8) for d in range(COST_DAYS)]
    if role == "drifting":
        for d in range(60, DAYS):
            psi[d] += 0.009 * (d - 60)
            auc[d] -= 0.0025 * (d - 60)
    elif role == "slow":
        for d in range(DAYS - 4, DAYS):
            latency[d] += 260
    elif role == "costly":  # a bigger model since day 120: spend climbs past its budget
        cost = [c + 3.0 * max(0, d - 120) for d, c in enumerate(cost)]
    return {"psi": psi, "auc": auc, "latency_p95_ms": latency, "cost_usd": [round(max(c, 0.0), 2) for c in cost]}


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


def _rollback_rule(drifting: ModelVersion) -> None:
    """The drifting model's owner asks for a rollback proposal when its drift gets severe: its version 1 was in
    production before, so the alert proposes going back to it, and waits for a person to confirm."""
    model = drifting.model
    services.alert_rule_create(
        actor=model.owners.order_by("pk").first(),
        name=f"PSI above 0.25 on {model.name}: propose a rollback",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=model,
        condition="above",
        threshold=0.25,
        severity="critical",
        action="propose_rollback",
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
    _rollback_rule(versions[0])
    rng = random.Random(26)
    catalogue = {d.name: d for d in MetricDefinition.objects.all()}
    roles = ["drifting", "slow", "costly"]
    histories = []
    for index, version in enumerate(versions):
        role = roles[index] if index < len(roles) else "healthy"
        values = _histories(rng, role)
        values["requests"] = _requests(random.Random(100 + index), role)
        histories.append((version, values))
    _exchange_rates()
    _value_contracts(versions)
    # Stored week by week, as a daily sync would: rules judge each week's new points, and the value contracts
    # are realised after each "sync", so an alert carries what it puts at risk against the days before it.
    now = timezone.now()
    stored = [
        (MetricSeries.objects.create(model_version=v, run_id=f"demo-monitor-{v.pk}", metric=catalogue[name]), series)
        for v, values in histories
        for name, series in values.items()
    ]
    for week in range(-COST_DAYS, 0, 7):
        for series, values in stored:
            days = len(values)
            start = int((now - timedelta(days=days)).timestamp() * 1000)
            first = days + week
            chunk = [(d, start + d * DAY_MS, round(values[d], 4)) for d in range(max(first, 0), min(first + 7, days))]
            if chunk:
                series_store(series_id=series.pk, points=chunk)
        value.values_realise()
    SyncRun.objects.create(
        status="succeeded", trigger="demo", versions_total=len(versions), versions_done=len(versions)
    )
    SyncRun.objects.filter(trigger="demo").update(finished_at=timezone.now())
    _budgets(versions, costly=versions[roles.index("costly")] if len(versions) > roles.index("costly") else None)
    _auc_kpi(versions)
    kpi_feed.kpis_feed()
    _feedback_and_outcomes(versions, rng)


def _requests(rng: random.Random, role: str) -> list[float]:
    """Predictions served per day: tens of thousands, quieter at weekends."""
    level = {"drifting": 18_000, "slow": 22_000, "costly": 30_000}.get(role, 12_000)
    return [round(level * (0.7 if d % 7 in (5, 6) else 1.0) * rng.uniform(0.93, 1.07)) for d in range(DAYS)]


# (formula, constants) of the first production models' use cases: fraud caught, conversions kept despite
# latency, and a flat value per 1,000 predictions that the costly model's bigger successor no longer earns.
CONTRACTS = (
    (
        "(auc - 0.5) * 2 * frauds_per_day * loss_per_fraud - cost_usd",
        lambda per_day: {"frauds_per_day": 40, "loss_per_fraud": max(50, round((per_day + 200) / 32 / 5) * 5)},
    ),
    (
        "requests * value_per_request * min(1, 250 / latency_p95_ms) - cost_usd",
        lambda per_day: {"value_per_request": max(0.01, round((per_day + 200) / 20_000, 3))},
    ),
    ("requests / 1000 * value_per_1000 - cost_usd", lambda per_day: {"value_per_1000": 12}),
)


def _exchange_rates() -> None:
    """USD → portfolio currency rates, entered by the platform admin: the value contracts subtract USD costs."""
    target = currency.portfolio_currency()
    if target == value.COST_CURRENCY:
        return
    admin, today = User.objects.get(username="admin"), timezone.now().date()
    for days_ago, rate in ((400, "0.9210"), (120, "0.9345"), (30, "0.9287")):
        currency.exchange_rate_set(
            actor=admin, base_currency=value.COST_CURRENCY, quote_currency=target, rate=rate,
            effective_on=today - timedelta(days=days_ago), source="ECB euro foreign exchange reference rate",
        )  # fmt: skip


def _value_contracts(versions) -> None:
    """A value contract on the use cases of the first three production models (set by a program manager who
    may change each), worth about their estimated annual value ÷ 365 per day while the models behave."""
    managers = list(User.objects.filter(username__in=["pm", "pm2"]).order_by("username"))
    seen = set()
    for version, (formula, constants) in zip(versions, CONTRACTS, strict=False):
        use_case = version.model.use_case
        actor = next((u for u in managers if can(u, "change", use_case)), None)
        if actor is None or use_case.pk in seen:
            continue
        seen.add(use_case.pk)
        per_day = float(use_case.estimated_value) / 365
        value.value_contract_set(actor=actor, use_case=use_case, formula=formula, constants=constants(per_day))


def _budgets(versions, *, costly) -> None:
    """A budget per production model a little above its usual month, one too tight for the costly model, and
    a budget for a whole unit."""
    pm = User.objects.get(username="pm")
    this_month = timezone.now().date().replace(day=1)
    since = (this_month - timedelta(days=200)).replace(day=1)
    last_month = cost.month_key((this_month - timedelta(days=1)).replace(day=1))
    spent = {
        row["model_id"]: row["cost"]
        for row in cost.monthly_cost_by_model(user=pm, months=2)
        if row["month"] == last_month
    }
    for version in versions:
        usual = spent.get(version.model_id, 0)
        if version == costly:
            # Enough before the new model; too little since.
            services.budget_set(actor=pm, model=version.model, monthly_amount=6_500, valid_from=since)
            continue
        amount = max(1_000, round(usual * 1.2, -2))
        services.budget_set(actor=pm, model=version.model, monthly_amount=amount, valid_from=since)
    by_unit = {
        row["unit"]: row["cost"] for row in cost.monthly_cost_by_unit(user=pm, months=2) if row["month"] == last_month
    }
    if by_unit:
        code = max(by_unit, key=by_unit.get)
        services.budget_set(
            actor=pm,
            business_unit=BusinessUnit.objects.get(code=code),
            monthly_amount=round(by_unit[code] * 1.15, -3),
            valid_from=since,
            note="The unit's envelope for model running costs.",
        )


def _auc_kpi(versions) -> None:
    """A KPI of the objective served by the first production model, fed by the AUC of its production models."""
    links = UseCaseObjective.objects.filter(use_case__models__versions__in=versions).select_related("objective")
    link = links.order_by("objective__title").first()
    if link is None:
        return
    pm = User.objects.get(username="pm")
    today = timezone.now().date()
    portfolio.kpi_create(
        actor=pm,
        objective=link.objective,
        name="Model discrimination in production (AUC)",
        unit="AUC",
        direction="higher",
        baseline=Decimal("0.88"),
        baseline_date=today - timedelta(days=DAYS),
        target=Decimal("0.92"),
        target_date=today + timedelta(days=365),
        source="metric",
        metric_binding="auc",
    )
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


def _feedback_and_outcomes(versions, rng: random.Random) -> None:
    """Business feedback over the last 80 days on every production model (the drifting one rated worse lately),
    and 30 days of outcomes of the first one, whose accuracy slips with its drift."""
    people = list(User.objects.filter(username__in=["pm", "pm2", "exec", "ds", "ds2"]).order_by("pk"))
    if not people:
        return
    now = timezone.now()
    for index, version in enumerate(versions):
        for n in range(12 - 2 * index if index < 4 else 4):
            days_ago = rng.randint(0, 80)
            rating = rng.choice([4, 5, 5, 3])
            if index == 0 and days_ago < 25:
                rating = rng.choice([2, 3, 2, 4])
            given = feedback.feedback_give(
                actor=people[n % len(people)],
                version=version,
                prediction_id=f"{version.model.name[:3].upper()}-{rng.randint(100000, 999999)}",
                rating=rating,
                expected="" if rating > 2 else "Not a case: a known customer",
                comment="" if rating > 2 else "Flagged a regular customer; the analyst lost an hour.",
            )
            Feedback.objects.filter(pk=given.pk).update(created_at=now - timedelta(days=days_ago, hours=n))
    first = versions[0]
    owner = first.model.owners.order_by("pk").first()
    if owner is None:
        return
    for day in range(30, 0, -1):
        # One UTC day each (09:00 + an hour of outcomes), whatever the time the demo is seeded at.
        at = datetime.combine((now - timedelta(days=day)).astimezone(UTC).date(), time(9), tzinfo=UTC)
        right = 0.93 - (0.008 * max(0, 15 - day) if day < 15 else 0)
        items = [
            {
                "prediction_id": f"demo-{day}-{i}",
                "predicted": "1" if i % 3 == 0 else "0",
                "actual": ("1" if i % 3 == 0 else "0") if rng.random() < right else ("0" if i % 3 == 0 else "1"),
                "at": (at + timedelta(minutes=i)).isoformat(),
            }
            for i in range(60)
        ]
        feedback.outcomes_record(actor=owner, version=first, items=items)

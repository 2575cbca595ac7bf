from django.contrib.auth.models import User
from django.core.management import call_command

from monitoring import cost
from monitoring.models import (
    ActionProposal,
    Alert,
    Budget,
    HealthCheck,
    MetricPoint,
    RetrainingRequest,
    RetrainingSchedule,
)
from portfolio.models import KPIMeasurement


def test_the_demo_has_three_months_of_metrics_and_an_alert_of_each_story(db):
    call_command("seed_demo")
    points = MetricPoint.objects.count()
    call_command("seed_demo")
    assert MetricPoint.objects.count() == points >= 90 * 4 * 3
    metrics = set(Alert.objects.values_list("series__metric__name", flat=True))
    assert {"psi", "latency_p95_ms", "cost_usd"} <= metrics  # drifting, latency spike, over budget
    assert Alert.objects.filter(severity="critical", status="open").exists()
    # Cost: months of spend, a forecast in total, budgets, one model over its budget; a KPI fed by a metric.
    executive = User.objects.get(username="exec")
    total = next(f for f in cost.cost_forecast(user=executive) if f["unit"] == cost.TOTAL)
    assert len(total["history"]) >= 6 and len(total["forecast"]) == 6
    assert Budget.objects.filter(model__isnull=True).count() == 1 and Budget.objects.count() >= 4
    last = [r for r in cost.monthly_cost_by_model(user=executive, months=2) if not r["partial"]]
    budget = {b.model_id: float(b.monthly_amount) for b in Budget.objects.filter(model__isnull=False)}
    assert len([r for r in last if r["cost"] > budget[r["model_id"]]]) == 1  # last month, whatever today is
    assert len(cost.models_over_budget(user=executive)) <= 1
    assert KPIMeasurement.objects.filter(kpi__source="metric").count() >= 80


def test_the_demo_shows_good_warning_and_bad_models_and_retraining_requests(db):
    call_command("seed_demo")
    assert set(HealthCheck.objects.values_list("status", flat=True)) == {"good", "warning", "bad"}
    assert set(RetrainingRequest.objects.values_list("trigger", flat=True)) == {"alert", "manual"}
    assert RetrainingSchedule.objects.count() == 1
    proposal = ActionProposal.objects.get()  # the drifting model's severe drift proposes going back to v1
    assert (proposal.kind, proposal.status, proposal.restore_version.version) == ("rollback", "proposed", "1")


def test_the_demo_has_feedback_on_every_production_model_and_outcome_accuracy(db):
    from lifecycle.models import ModelVersion
    from monitoring import selectors

    call_command("seed_demo")
    executive = User.objects.get(username="exec")
    summary = selectors.feedback_summary(user=executive)
    production = set(ModelVersion.objects.filter(stage="production").values_list("model_id", flat=True))
    assert production <= set(summary) and all(summary[m].count_90 > 0 for m in production)
    accuracy = MetricPoint.objects.filter(series__metric__name="outcome_accuracy")
    assert accuracy.count() == 30 and all(0.6 < p.value <= 1 for p in accuracy)


def test_the_demo_has_value_contracts_realised_and_an_alert_with_money_at_risk(db):
    from monitoring import value
    from monitoring.models import ValueContract, ValueRealisation

    call_command("seed_demo")
    assert ValueContract.objects.count() == 3
    assert ValueRealisation.objects.filter(value__isnull=False).values("use_case").distinct().count() == 3
    assert Alert.objects.filter(money_at_risk__gt=0).exists()
    executive = User.objects.get(username="exec")
    assert [row["model"] for row in value.negative_margins(user=executive)]  # the costly model's successor

from django.core.management import call_command

from monitoring.models import Alert, HealthCheck, MetricPoint, RetrainingRequest, RetrainingSchedule


def test_the_demo_has_three_months_of_metrics_and_an_alert_of_each_story(db):
    call_command("seed_demo")
    points = MetricPoint.objects.count()
    call_command("seed_demo")
    assert MetricPoint.objects.count() == points >= 90 * 4 * 3
    metrics = set(Alert.objects.values_list("series__metric__name", flat=True))
    assert {"psi", "latency_p95_ms", "cost_usd"} <= metrics  # drifting, latency spike, over budget
    assert Alert.objects.filter(severity="critical", status="open").exists()


def test_the_demo_shows_good_warning_and_bad_models_and_retraining_requests(db):
    call_command("seed_demo")
    assert set(HealthCheck.objects.values_list("status", flat=True)) == {"good", "warning", "bad"}
    assert set(RetrainingRequest.objects.values_list("trigger", flat=True)) == {"alert", "manual"}
    assert RetrainingSchedule.objects.count() == 1

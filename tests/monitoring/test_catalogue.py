"""The metric catalogue and the sync schedule are there after migrating, and the schedule stays editable."""

from django_celery_beat.models import PeriodicTask

from monitoring.catalogue import DEFAULT_METRICS
from monitoring.models import MetricDefinition


def test_the_common_metrics_are_catalogued(db):
    names = set(MetricDefinition.objects.values_list("name", flat=True))
    assert {row[0] for row in DEFAULT_METRICS} <= names
    psi = MetricDefinition.objects.get(name="psi")
    assert psi.kind == "drift" and not psi.higher_is_better
    assert MetricDefinition.objects.get(name="auc").higher_is_better
    assert MetricDefinition.objects.get(name="latency_p95_ms").aggregation == "p95"


def test_the_sync_is_scheduled_as_an_editable_row(db):
    task = PeriodicTask.objects.get(task="monitoring.sync_all")
    assert task.interval.every == 15 and task.interval.period == "minutes" and task.enabled
    assert PeriodicTask.objects.filter(task="monitoring.roll_up_points").exists()

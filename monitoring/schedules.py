"""Default beat schedules of monitoring, loaded by a data migration; intervals stay editable in the admin."""

SCHEDULES = (
    # (name, task, every, period)
    ("Sync metrics from MLflow", "monitoring.sync_all", 15, "minutes"),
    ("Roll up old metric points", "monitoring.roll_up_points", 1, "days"),
    ("Check the health of production models", "monitoring.health_check_all", 1, "hours"),
    ("Open due retraining requests", "monitoring.retraining_schedules_run", 1, "hours"),
)


def install_schedules(apps, schema_editor=None) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        # get_or_create: an interval an admin changed is kept when the migration runs again.
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})

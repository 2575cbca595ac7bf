"""Default periodic tasks, loaded into django-celery-beat by a migration.

After that they are ordinary rows: an admin changes an interval in the admin, without a deploy.
"""

DEFAULT_SCHEDULES = (
    # (name, task, every, period)
    ("Worker health check", "core.health", 5, "minutes"),
    ("Verify the audit trail", "audit.verify_chain", 1, "days"),
    ("Checkpoint the audit trail outside the database", "audit.write_checkpoint", 5, "minutes"),
    ("Check the audit checkpoints are not behind", "audit.check_checkpoints", 15, "minutes"),
    ("Check stop-loss criteria", "portfolio.check_stop_losses", 1, "days"),
    ("Discover models in MLflow", "lifecycle.discover_mlflow_models", 15, "minutes"),
    ("Keep the production aliases in MLflow", "lifecycle.check_production_aliases", 10, "minutes"),
    ("Purge operational logs past their retention", "audit.purge_expired", 1, "days"),
)


def install_default_schedules(apps, schema_editor=None) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in DEFAULT_SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})

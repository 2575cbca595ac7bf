"""Default beat schedules of monitoring, loaded by a data migration; intervals stay editable in the admin."""

from core.schedules import installer

SCHEDULES = (
    # (name, task, every, period)
    ("Sync metrics from MLflow", "monitoring.sync_all", 15, "minutes"),
    ("Roll up old metric points", "monitoring.roll_up_points", 1, "days"),
    ("Check the health of production models", "monitoring.health_check_all", 1, "hours"),
    ("Open due retraining requests", "monitoring.retraining_schedules_run", 1, "hours"),
)


install_schedules = installer(SCHEDULES)

"""Default beat schedules of governance, loaded by a data migration; intervals stay editable in the admin."""

SCHEDULES = (
    # (name, task, every, period)
    ("Escalate overdue concerns", "governance.escalate_overdue_concerns", 1, "hours"),
    (
        "Escalate overdue post-implementation reviews",
        "governance.escalate_overdue_post_implementation_reviews",
        1,
        "days",
    ),
    ("Remind of expiring AI-literacy training", "governance.training_expiry_reminders", 1, "days"),
)


def install_schedules(apps, schema_editor=None) -> None:
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, period in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        # get_or_create: an interval an admin changed is kept when the migration runs again.
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})

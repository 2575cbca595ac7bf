"""Default beat schedules of governance, loaded by a data migration; intervals stay editable in the admin."""

from core.schedules import installer

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


install_schedules = installer(SCHEDULES)

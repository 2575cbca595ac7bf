"""Governance's periodic work, started by beat (schedules in governance/schedules.py)."""

from celery import shared_task

from governance.services.concerns import concerns_escalate_overdue


@shared_task(name="governance.escalate_overdue_concerns", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def escalate_overdue_concerns() -> dict:
    """Escalate, once each, the open concerns past their response deadline."""
    return {"escalated": concerns_escalate_overdue()}


@shared_task(
    name="governance.escalate_overdue_post_implementation_reviews",
    acks_late=True,
    time_limit=10 * 60,
    soft_time_limit=9 * 60,
)
def escalate_overdue_post_implementation_reviews() -> dict:
    """Escalate, once each, the post-implementation reviews past their due date; expire lapsed emergency releases."""
    from governance.services.emergency import post_implementation_reviews_escalate_overdue

    return {"escalated": post_implementation_reviews_escalate_overdue()}


@shared_task(name="governance.training_expiry_reminders", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def training_expiry_reminders() -> dict:
    """Remind people whose AI-literacy training expires within 30 days, and the admins who record it."""
    from governance.services.training import training_expiry_remind

    return {"reminded": training_expiry_remind()}

from celery import shared_task
from django.utils import timezone

from portfolio.models import StopLoss
from portfolio.services.delivery import stop_loss_check


@shared_task(name="portfolio.check_stop_losses", time_limit=600, soft_time_limit=570)
def check_stop_losses() -> dict:
    """Daily: every stop-loss past its due date of a use case still live counts a missed month at most once."""
    today = timezone.localdate()
    due = StopLoss.objects.filter(due_date__lte=today, use_case__status="live").order_by("pk")
    escalated = 0
    for stop_loss in due:
        checked = stop_loss_check(stop_loss=stop_loss, today=today)
        escalated += checked.review_requested_at is not None
    return {"checked": due.count(), "review_requested": escalated}

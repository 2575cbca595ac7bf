"""The whole demo, app by app in layer order: dashboards sit on top, so only they may call every app."""

from django.db import transaction

from compliance import demo as compliance_demo
from dashboards.demo_history import backdate
from governance import demo as governance_demo
from lifecycle import demo as lifecycle_demo
from monitoring import demo as monitoring_demo
from notifications.models import Notification
from notifications.services import notifications_mark_read
from portfolio import demo as portfolio_demo
from sourcing import demo as sourcing_demo

# People who work their inbox: the last few messages wait for them, the older ones were read long ago.
UNREAD_KEPT = 5


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    """Create what is missing in every app's demo data; returns (username, roles, password) per demo user."""
    accounts = portfolio_demo.seed()
    accounts += governance_demo.seed()
    lifecycle_demo.seed(before_approval=governance_demo.sign_review)
    governance_demo.seed_open_reviews()
    compliance_demo.seed_compliance()
    sourcing_demo.seed_vendors()
    governance_demo.seed_concerns()
    governance_demo.seed_emergency_release()
    governance_demo.seed_freeze_exemption()
    sourcing_demo.seed_evaluations()
    compliance_demo.seed_external_audits()
    monitoring_demo.seed()
    backdate()
    settle_inboxes()
    return accounts


def settle_inboxes() -> None:
    """Seeding a year of work in one go leaves every message of that year unread (a reviewer with 46); a real
    inbox holds the last few. Each person keeps their newest UNREAD_KEPT unread."""
    from django.contrib.auth import get_user_model

    unread = Notification.objects.filter(read_at__isnull=True)
    for recipient in get_user_model().objects.filter(notifications__read_at__isnull=True).distinct():
        older = unread.filter(recipient=recipient).order_by("-created_at", "-pk").values_list("pk", flat=True)
        notifications_mark_read(user=recipient, ids=older[UNREAD_KEPT:])

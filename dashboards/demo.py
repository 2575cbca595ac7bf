"""The whole demo, app by app in layer order: dashboards sit on top, so only they may call every app."""

from django.db import transaction

from compliance import demo as compliance_demo
from dashboards.demo_history import backdate
from governance import demo as governance_demo
from lifecycle import demo as lifecycle_demo
from monitoring import demo as monitoring_demo
from portfolio import demo as portfolio_demo
from sourcing import demo as sourcing_demo


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
    sourcing_demo.seed_evaluations()
    compliance_demo.seed_external_audits()
    monitoring_demo.seed()
    backdate()
    return accounts

"""Believable demo data: one user per role, a few business units, use cases. Idempotent."""

from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction

from core.roles import ROLE_BY_KEY
from portfolio import services
from portfolio.models import BusinessUnit, Membership, UseCase

DEMO_PASSWORD = "lodestar-demo-2026"

UNITS = [
    ("RETAIL", "Retail Banking", "Branches, cards, mortgages and everyday banking."),
    ("CORP", "Corporate & Investment", "Lending, trade finance and markets for companies."),
    ("OPS", "Group Operations", "Shared services: contact centres, back office, procurement."),
    ("RISK", "Group Risk & Compliance", "Second line of defence: credit, market, model and conduct risk."),
]

# username, first, last, roles, business units, staff
USERS = [
    ("pm", "Priya", "Menon", ["program_manager"], ["RETAIL", "CORP", "OPS", "RISK"], False),
    ("ds", "Daniel", "Sousa", ["data_scientist"], ["RETAIL"], False),
    ("rb", "Rachel", "Brandt", ["review_board", "sign_off_validation", "sign_off_risk"], ["RISK"], False),
    (
        "rb2",
        "Omar",
        "Haddad",
        ["review_board", "sign_off_compliance", "sign_off_legal", "sign_off_ethics"],
        ["RISK"],
        False,
    ),
    ("exec", "Elena", "Kovacs", ["executive"], [], False),
    ("admin", "Ade", "Mensah", ["platform_admin"], [], True),
]

USE_CASES = [
    (
        "RETAIL",
        "Mortgage pre-approval triage",
        "Applications wait 9 days for a first look; triage the simple ones.",
        False,
        4_200_000,
        650_000,
    ),
    (
        "RETAIL",
        "Card fraud early warning",
        "Fraud losses of 0.11% of card volume; detect mule patterns sooner.",
        False,
        7_800_000,
        1_200_000,
    ),
    (
        "RETAIL",
        "Collections next-best-action",
        "Collectors call in list order; prioritise by cure likelihood.",
        True,
        2_100_000,
        400_000,
    ),
    (
        "CORP",
        "Trade document extraction",
        "Letters of credit are keyed by hand: 35 minutes per document.",
        False,
        3_300_000,
        900_000,
    ),
    (
        "CORP",
        "Covenant breach prediction",
        "Breaches are found at quarter end; predict them a quarter ahead.",
        True,
        5_500_000,
        700_000,
    ),
    (
        "OPS",
        "Contact-centre call summarisation",
        "Agents spend 90 seconds per call writing notes.",
        False,
        2_900_000,
        800_000,
    ),
    (
        "OPS",
        "Invoice matching assistant",
        "Three-way match exceptions take 4 days to clear.",
        False,
        1_400_000,
        250_000,
    ),
    (
        "RISK",
        "Model inventory risk scoring",
        "Tiering 600 models by hand each year takes two analysts.",
        False,
        600_000,
        150_000,
    ),
]


@transaction.atomic
def seed(stdout=None) -> list[tuple[str, str, str]]:
    """Create what is missing; leave what exists. Returns (username, role, password) for the banner."""
    units = {}
    for code, name, description in UNITS:
        units[code], _ = BusinessUnit.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    accounts = []
    for username, first, last, roles, unit_codes, staff in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@lodestar.example",
                "is_staff": staff,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(*Group.objects.filter(name__in=[ROLE_BY_KEY[r].name for r in roles]))
        for code in unit_codes:
            Membership.objects.get_or_create(user=user, business_unit=units[code])
        accounts.append((username, ", ".join(ROLE_BY_KEY[r].name for r in roles), DEMO_PASSWORD))
    pm = User.objects.get(username="pm")
    for code, title, problem, confidential, value, cost in USE_CASES:
        if not UseCase.objects.filter(title=title).exists():
            services.use_case_create(
                actor=pm,
                title=title,
                business_unit=units[code],
                problem_statement=problem,
                confidential=confidential,
                estimated_value=Decimal(value),
                estimated_cost=Decimal(cost),
            )
    return accounts

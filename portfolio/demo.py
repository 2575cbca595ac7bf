"""Believable demo data: a user per role, business units, objectives with KPIs, ~40 use cases in
every status with scores. Idempotent: what exists is left alone."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import transaction

from core.roles import ROLE_BY_KEY
from portfolio import services
from portfolio.models import (
    KPI,
    READINESS_ITEMS,
    BusinessUnit,
    Capability,
    Membership,
    Objective,
    ScoringCriterion,
    UseCase,
)

DEMO_PASSWORD = "lodestar-demo-2026"

UNITS = [
    ("RETAIL", "Retail Banking", "Branches, cards, mortgages and everyday banking."),
    ("CORP", "Corporate & Investment", "Lending, trade finance and markets for companies."),
    ("OPS", "Group Operations", "Shared services: contact centres, back office, procurement."),
    ("RISK", "Group Risk & Compliance", "Second line of defence: credit, market, model and conduct risk."),
    ("MRM", "Model Risk Management", "Independent validation of every model; develops none of its own."),
]

# username, first, last, roles, business units, staff
USERS = [
    ("pm", "Priya", "Menon", ["program_manager"], ["RETAIL", "CORP", "OPS", "RISK"], False),
    ("ds", "Daniel", "Sousa", ["data_scientist"], ["RETAIL"], False),
    ("ds2", "Mei", "Tanaka", ["data_scientist"], ["CORP", "OPS", "RISK"], False),
    ("rb", "Rachel", "Brandt", ["review_board", "sign_off_validation", "sign_off_risk"], ["MRM"], False),
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

CAPABILITIES = {
    "Customer service": ["Contact centre", "Complaints handling"],
    "Lending": ["Credit decisioning", "Collections"],
    "Financial crime": ["Fraud detection", "Anti-money laundering"],
    "Operations": ["Document processing", "Procurement"],
}

# title, unit, (kpi name, unit, direction, baseline, target)
OBJECTIVES = [
    ("Halve time to mortgage offer", "RETAIL", "h1", [("Days from application to offer", "days", "lower", 9, 4.5)]),
    (
        "Cut fraud losses by a third",
        "RETAIL",
        "h1",
        [
            ("Card fraud losses", "bp of volume", "lower", 11, 7.3),
            ("False-positive alerts", "% of alerts", "lower", 92, 80),
        ],
    ),
    ("Grow corporate lending share", "CORP", "h2", [("Corporate lending market share", "%", "higher", 8.2, 9.5)]),
    (
        "Lower cost to serve",
        None,
        "h1",
        [("Cost per contact", "EUR", "lower", 6.4, 4.8), ("First-contact resolution", "%", "higher", 71, 80)],
    ),
    (
        "Every model governed and explainable",
        None,
        "h2",
        [("Models with a current validation", "%", "higher", 62, 100)],
    ),
]

# title, unit, problem, confidential, value, cost
USE_CASES = [
    (
        "Mortgage pre-approval triage",
        "RETAIL",
        "Applications wait 9 days for a first look; triage the simple ones.",
        False,
        4_200_000,
        650_000,
    ),
    (
        "Card fraud early warning",
        "RETAIL",
        "Fraud losses of 0.11% of card volume; detect mule patterns sooner.",
        False,
        7_800_000,
        1_200_000,
    ),
    (
        "Collections next-best-action",
        "RETAIL",
        "Collectors call in list order; prioritise by cure likelihood.",
        True,
        2_100_000,
        400_000,
    ),
    (
        "Trade document extraction",
        "CORP",
        "Letters of credit are keyed by hand: 35 minutes per document.",
        False,
        3_300_000,
        900_000,
    ),
    (
        "Covenant breach prediction",
        "CORP",
        "Breaches are found at quarter end; predict them a quarter ahead.",
        True,
        5_500_000,
        700_000,
    ),
    (
        "Contact-centre call summarisation",
        "OPS",
        "Agents spend 90 seconds per call writing notes.",
        False,
        2_900_000,
        800_000,
    ),
    (
        "Invoice matching assistant",
        "OPS",
        "Three-way match exceptions take 4 days to clear.",
        False,
        1_400_000,
        250_000,
    ),
    (
        "Model inventory risk scoring",
        "RISK",
        "Tiering 600 models by hand each year takes two analysts.",
        False,
        600_000,
        150_000,
    ),
]
MORE_TITLES = [
    ("RETAIL", "Branch staffing forecast"),
    ("RETAIL", "Savings churn prediction"),
    ("RETAIL", "Credit limit advisor"),
    ("RETAIL", "Complaint topic routing"),
    ("RETAIL", "Mortgage document checker"),
    ("RETAIL", "ATM cash forecasting"),
    ("RETAIL", "Personalised savings nudges"),
    ("RETAIL", "Voice biometrics for phone banking"),
    ("CORP", "Cash-flow forecasting for SMEs"),
    ("CORP", "KYC refresh prioritisation"),
    ("CORP", "Trade-based money laundering screening"),
    ("CORP", "RFP response drafting"),
    ("CORP", "Payment repair automation"),
    ("CORP", "Relationship manager briefing notes"),
    ("OPS", "Supplier risk monitoring"),
    ("OPS", "IT ticket auto-triage"),
    ("OPS", "Email intent classification"),
    ("OPS", "Workforce scheduling optimiser"),
    ("OPS", "Contract clause extraction"),
    ("OPS", "Mailroom scanning"),
    ("RISK", "AML alert scoring"),
    ("RISK", "Regulatory change digest"),
    ("RISK", "Stress-test narrative drafting"),
    ("RISK", "Conduct-risk call surveillance"),
    ("RISK", "Credit memo quality checks"),
    ("RETAIL", "Card dispute classification"),
    ("CORP", "FX pricing assistant"),
    ("OPS", "Invoice fraud detection"),
    ("RISK", "Third-party model monitoring"),
    ("RETAIL", "Affordability check automation"),
    ("OPS", "Procurement spend categorisation"),
    ("CORP", "ESG disclosure extraction"),
]
READINESS_EVIDENCE = {
    "uat": "Two simulation sessions with 14 users; sign-off sheet in the project space.",
    "champions": "Six champions trained, attendance list attached.",
    "communications": "All-staff note and team briefings sent two weeks before go-live.",
    "support": "Service desk runbook published; hypercare rota for four weeks.",
}
# Where each use case ends up, cycling so every status is represented.
PATHS = {
    "proposed": [],
    "assessing": ["assessing"],
    "approved": ["assessing", "approved"],
    "in_delivery": ["assessing", "approved", "in_delivery"],
    "live": ["assessing", "approved", "in_delivery", "live"],
    "retired": ["assessing", "approved", "in_delivery", "live", "retired"],
    "paused": ["assessing", "paused"],
    "rejected": ["assessing", "rejected"],
}
STATUS_CYCLE = [
    "proposed",
    "assessing",
    "approved",
    "proposed",
    "in_delivery",
    "live",
    "assessing",
    "paused",
    "approved",
    "rejected",
    "live",
    "retired",
]


def _users() -> list[tuple[str, str, str]]:
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
            Membership.objects.get_or_create(user=user, business_unit=BusinessUnit.objects.get(code=code))
        accounts.append((username, ", ".join(ROLE_BY_KEY[r].name for r in roles), DEMO_PASSWORD))
    return accounts


def _strategy(pm, units) -> dict[str, Objective]:
    admin = User.objects.get(username="admin")
    for parent_name, children in CAPABILITIES.items():
        parent = Capability.objects.filter(name=parent_name, parent=None).first() or services.capability_create(
            actor=admin, name=parent_name
        )
        for child in children:
            if not Capability.objects.filter(name=child, parent=parent).exists():
                services.capability_create(actor=admin, name=child, parent=parent)
    objectives = {}
    today = date.today()
    rng = random.Random(7)
    # How fast each KPI moves against the plan: most keep up, two lag, one has stalled.
    paces = iter([1.15, 0.95, 0.72, 1.05, 0.35, 1.0, 0.7, 1.1, 0.9, 1.0])
    for title, unit_code, horizon, kpis in OBJECTIVES:
        objective = Objective.objects.filter(title=title).first() or services.objective_create(
            actor=pm,
            title=title,
            business_unit=units.get(unit_code),
            horizon=horizon,
            description=f"{title} — set by the executive committee for the strategy period.",
        )
        objectives[title] = objective
        for name, unit, direction, baseline, target in kpis:
            if KPI.objects.filter(objective=objective, name=name).exists():
                continue
            kpi = services.kpi_create(
                actor=pm,
                objective=objective,
                name=name,
                unit=unit,
                direction=direction,
                baseline=Decimal(str(baseline)),
                baseline_date=today - timedelta(days=365),
                target=Decimal(str(target)),
                target_date=today + timedelta(days=365),
            )
            pace = next(paces, 1.0)
            for month in range(0, 13, 2):  # measurements drifting from baseline towards target
                progress = month / 24 * pace + rng.uniform(-0.02, 0.02)
                value = Decimal(str(baseline + (target - baseline) * progress)).quantize(Decimal("0.01"))
                services.kpi_measurement_record(
                    actor=pm, kpi=kpi, value=value, measured_on=today - timedelta(days=365 - 30 * month - 1)
                )
    return objectives


def _use_cases(pm, units, objectives) -> None:
    rng = random.Random(42)
    criteria = list(ScoringCriterion.objects.filter(is_active=True))
    capabilities = list(Capability.objects.exclude(parent=None))
    catalogue = list(USE_CASES) + [
        (
            title,
            unit,
            f"{title}: today manual, slow and inconsistent.",
            i % 9 == 4,
            rng.randrange(3, 60) * 100_000,
            rng.randrange(1, 15) * 50_000,
        )
        for i, (unit, title) in enumerate(MORE_TITLES)
    ]
    objective_list = list(objectives.values())
    for i, (title, unit_code, problem, confidential, value, cost) in enumerate(catalogue):
        if UseCase.objects.filter(title=title).exists():
            continue
        use_case = services.use_case_create(
            actor=pm,
            title=title,
            business_unit=units[unit_code],
            problem_statement=problem,
            confidential=confidential,
            estimated_value=Decimal(value),
            estimated_cost=Decimal(cost),
            sourcing=rng.choice(["build", "buy", "partner", "undecided"]),
            data_quality=rng.choice(["low", "medium", "high"]),
            data_sources_available=rng.random() > 0.3,
            data_access_agreed=rng.random() > 0.5,
            integration_complexity=rng.choice(["low", "medium", "high"]),
            capabilities=rng.sample(capabilities, k=1),
            ea_components=[f"APP-{rng.randrange(1000, 9999)}"],
        )
        objective = objective_list[i % len(objective_list)]
        kpi = objective.kpis.first()
        services.use_case_link_objective(
            actor=pm,
            use_case=use_case,
            objective=objective,
            kpi=kpi,
            expected_contribution=(kpi.target - kpi.baseline) / 4 if kpi else None,
        )
        for criterion in criteria:
            services.score_record(
                actor=pm,
                use_case=use_case,
                criterion=criterion,
                score=rng.randint(1, 5),
                rationale=f"Initial assessment of {criterion.name.lower()}.",
            )
        for status in PATHS[STATUS_CYCLE[i % len(STATUS_CYCLE)]]:
            if status == "live":
                for item, _label in READINESS_ITEMS:
                    services.readiness_check(actor=pm, use_case=use_case, item=item, evidence=READINESS_EVIDENCE[item])
            services.use_case_transition(
                actor=pm,
                use_case=use_case,
                to_status=status,
                reason=f"Portfolio board decision: {status.replace('_', ' ')}.",
            )


TEAMS = {"Data platform": "OPS", "ML engineering": None, "Core banking integration": "OPS"}


def _roadmap(pm, units) -> None:
    """Four quarterly waves; the plan has a dependency conflict, an over-capacity team, a late agreement."""
    from portfolio.models import Agreement, RoadmapItem, Team, Wave

    if Wave.objects.exists():
        return
    admin = User.objects.get(username="admin")
    teams = {
        name: Team.objects.filter(name=name).first()
        or services.team_create(actor=admin, name=name, business_unit=units.get(unit))
        for name, unit in TEAMS.items()
    }
    today = date.today()
    first = date(today.year + (today.month > 9), (((today.month - 1) // 3 + 1) % 4) * 3 + 1, 1)
    waves = []
    for i in range(4):
        start = date(first.year + (first.month - 1 + 3 * i) // 12, (first.month - 1 + 3 * i) % 12 + 1, 1)
        end = date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1) - timedelta(days=1)
        capacity = {
            teams["Data platform"]: 60,
            teams["ML engineering"]: 80 if i else 50,
            teams["Core banking integration"]: 40,
        }
        waves.append(
            services.wave_create(
                actor=pm, name=f"Wave {i + 1} · {start:%b %Y}", start=start, end=end, capacities=capacity
            )
        )
    plannable = list(UseCase.objects.filter(status__in=["approved", "in_delivery"]).order_by("number"))
    rng = random.Random(3)
    for i, use_case in enumerate(plannable):
        wave = waves[min(i // 3, 3)]
        start = wave.start + timedelta(days=rng.randrange(0, 30))
        end = min(wave.end, start + timedelta(days=rng.randrange(30, 60)))
        efforts = {teams["ML engineering"]: rng.randrange(15, 35), teams["Data platform"]: rng.randrange(5, 20)}
        if i % 2:
            efforts[teams["Core banking integration"]] = rng.randrange(5, 15)
        services.roadmap_plan(
            actor=pm, use_case=use_case, wave=wave, planned_start=start, planned_end=end, efforts=efforts
        )
    items = list(RoadmapItem.objects.order_by("-wave__start", "use_case__number").select_related("use_case"))
    if len(items) >= 2:
        # The latest-planned use case is a prerequisite of the earliest: a dependency conflict.
        services.dependency_add(
            actor=pm,
            use_case=items[-1].use_case,
            depends_on=items[0].use_case,
            note="Needs the shared feature store it builds.",
        )
    services.agreement_create(
        actor=pm,
        title="Customer transaction feed for model training",
        provider=units["OPS"],
        consumer=units["RETAIL"],
        due_date=today - timedelta(days=12),
    )
    services.agreement_create(
        actor=pm,
        title="Deployment SLA on the credit decision API",
        provider=units["OPS"],
        consumer=units["CORP"],
        due_date=today + timedelta(days=40),
        kind=Agreement.Kind.DEPLOYMENT_SLA,
    )


ASSUMPTIONS = [
    ("Customers will accept an automated first decision on simple mortgages.", -10, "RETAIL"),
    ("The core banking vendor opens its event API by mid-2027.", 20, "OPS"),
    ("Regulators accept explainable gradient-boosted models for credit.", 45, None),
    ("Contact-centre volumes keep growing 8% a year.", -3, "OPS"),
]


def _reviews(pm, units) -> None:
    """Strategic assumptions (two overdue), budgets, a RACI per use case, and one past quarterly review."""
    from portfolio.models import Assumption, PortfolioReview

    if PortfolioReview.objects.exists():
        return
    today = date.today()
    for statement, days, unit in ASSUMPTIONS:
        if not Assumption.objects.filter(statement=statement).exists():
            services.assumption_create(
                actor=pm, statement=statement, review_date=today + timedelta(days=days), business_unit=units.get(unit)
            )
    rng = random.Random(11)
    people = list(User.objects.filter(username__in=["ds", "rb", "exec"]))
    for use_case in UseCase.objects.exclude(status__in=["rejected", "retired"]).order_by("number"):
        cost = use_case.estimated_cost
        debt = (cost * Decimal(rng.choice([10, 20, 30, 45])) / 100).quantize(Decimal("1"))
        services.use_case_update(
            actor=pm,
            use_case=use_case,
            budget_innovation=cost - debt,
            budget_tech_debt=debt,
            reason="Budget for the year",
        )
        services.raci_assign(actor=pm, use_case=use_case, person=pm, role="A")
        services.raci_assign(actor=pm, use_case=use_case, person=rng.choice(people), role="C")
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    held_on = quarter_start - timedelta(days=20)
    review = services.portfolio_review_create(
        actor=pm,
        title="Quarterly portfolio board",
        held_on=held_on,
        quarter=f"{held_on.year}-Q{(held_on.month - 1) // 3 + 1}",
        attendees=list(User.objects.filter(username__in=["pm", "exec", "rb"])),
        notes="Budget pressure: fund what moves the cost-to-serve KPIs.",
    )
    live = list(UseCase.objects.filter(status="live").order_by("number"))
    delivering = list(UseCase.objects.filter(status="in_delivery").order_by("number"))
    if live:
        services.review_decide(
            actor=pm,
            review=review,
            use_case=live[0],
            decision="accelerate",
            notes="Benefits ahead of plan; extend to a second region.",
        )
    if delivering:
        services.review_decide(
            actor=pm,
            review=review,
            use_case=delivering[0],
            decision="continue",
            notes="On track against the wave plan.",
        )
    if len(live) > 1:
        services.review_decide(
            actor=pm,
            review=review,
            use_case=live[1],
            decision="reallocate",
            notes="Move budget to paying down technical debt.",
            budget_innovation=Decimal(50_000),
            budget_tech_debt=Decimal(200_000),
        )


SKILLS = [
    ("Machine learning engineering", True),
    ("Data engineering", False),
    ("Model validation", True),
    ("Change management", False),
    ("Core banking integration", True),
]


def _delivery(pm, units) -> None:
    """Benefit reviews of live use cases, stop-loss criteria, change actions and a skills register."""
    from portfolio.models import BenefitReview, Skill

    if BenefitReview.objects.exists():
        return
    rng = random.Random(5)
    today = date.today()
    people = {u.username: u for u in User.objects.filter(username__in=["pm", "ds", "rb", "rb2"])}
    skills = {}
    for name, critical in SKILLS:
        skills[name] = Skill.objects.get_or_create(name=name, defaults={"critical": critical})[0]
    for username, held in {
        "ds": {"Machine learning engineering": 4, "Data engineering": 3},
        "rb": {"Model validation": 5},
        "pm": {"Change management": 4},
        "rb2": {"Model validation": 3},
    }.items():
        for name, level in held.items():
            services.person_skill_set(actor=pm, person=people[username], skill=skills[name], level=level)
    for use_case in UseCase.objects.filter(status__in=["live", "retired"]).order_by("number"):
        # Sponsors of RETAIL projected optimistically: realised well under projected.
        ratio = (
            Decimal(rng.choice([55, 70, 85]))
            if use_case.business_unit.code == "RETAIL"
            else Decimal(rng.choice([90, 100, 115]))
        )
        services.benefit_review_record(
            actor=pm,
            use_case=use_case,
            reviewed_on=today - timedelta(days=rng.randrange(20, 120)),
            realised_value=(use_case.estimated_value * ratio / 100).quantize(Decimal("1")),
            findings="Post-implementation review with finance: benefits measured on the production cohort.",
        )
    for use_case in UseCase.objects.filter(status__in=["approved", "in_delivery", "live"]).order_by("number"):
        kpi = use_case.objective_links.exclude(kpi=None).values_list("kpi", flat=True).first()
        if kpi:
            kpi = KPI.objects.get(pk=kpi)
            services.stop_loss_set(
                actor=pm,
                use_case=use_case,
                measure="kpi",
                kpi=kpi,
                threshold=(kpi.baseline + (kpi.target - kpi.baseline) / 3).quantize(Decimal("0.01")),
                due_date=today + timedelta(days=rng.randrange(-30, 200)),
                periods_allowed=2,
            )
        services.skill_need_set(actor=pm, use_case=use_case, skill=skills["Machine learning engineering"], level=3)
        services.skill_need_set(actor=pm, use_case=use_case, skill=skills["Core banking integration"], level=2)
        services.change_action_add(
            actor=pm,
            use_case=use_case,
            kind="communication",
            owner=pm,
            description="Brief the affected teams and their managers.",
            due_date=today + timedelta(days=rng.randrange(-10, 60)),
        )
        services.change_action_add(
            actor=pm,
            use_case=use_case,
            kind="roles",
            owner=pm,
            headcount_affected=rng.randrange(4, 60),
            description="Roles whose daily work changes; agree the new procedures.",
            due_date=today + timedelta(days=rng.randrange(0, 90)),
        )


@transaction.atomic
def seed(stdout=None) -> list[tuple[str, str, str]]:
    """Create what is missing; leave what exists. Returns (username, role, password) for the banner."""
    units = {}
    for code, name, description in UNITS:
        units[code], _ = BusinessUnit.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    accounts = _users()
    pm = User.objects.get(username="pm")
    objectives = _strategy(pm, units)
    _use_cases(pm, units, objectives)
    _roadmap(pm, units)
    _reviews(pm, units)
    _delivery(pm, units)
    return accounts

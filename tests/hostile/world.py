"""The data every hostile test runs against, built through the services as users would build it.

Two business units matter: RETAIL (the principals' own unit) and CORP (another unit). Each scoped resource
gets one record per object class; every record carries a marker in its name so a leak is found by looking
for the marker in any response, whatever its shape (JSON list, CSV export, HTML page, aggregate).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit import retention
from audit.models import AuditEvent
from compliance import services as compliance
from compliance.models import Control, Framework
from core.tokens import api_token_issue
from governance import services as governance
from governance.models import Review
from lifecycle import decommissioning
from lifecycle import services as lifecycle
from lifecycle.datasets import dataset_register
from monitoring import feedback, retraining, value
from monitoring import services as monitoring
from monitoring.models import Alert, MetricDefinition, MetricSeries, SyncRun
from monitoring.sync import series_store
from portfolio import services as portfolio
from portfolio.models import ScoringCriterion, UseCase
from sourcing import services as sourcing

from .policy import CLASSES, OTHER_CONFIDENTIAL, PRINCIPALS

PASSWORD = "correct-horse-battery"
# Records whose names are not ours to choose (seeded units, criteria, the latest audit event).
UNMARKED = {"business_unit", "scoring_criterion", "audit_event", "framework", "control", "purge_run"}


def marker(resource: str, object_class: str) -> str:
    return f"zz-{object_class}-{resource}"


@dataclass
class World:
    users: dict[str, User | None]
    raiser: User | None = None  # the validator who raised the world's findings
    objects: dict[str, dict[str, object]] = field(default_factory=dict)

    def add(self, resource: str, object_class: str, obj) -> None:
        self.objects.setdefault(resource, {})[object_class] = obj

    def all_markers(self) -> list[str]:
        return [
            marker(resource, cls)
            for resource, by_class in self.objects.items()
            for cls in by_class
            if resource not in UNMARKED
        ]

    def markers_of(self, object_class: str) -> list[str]:
        return [
            marker(resource, object_class)
            for resource, by_class in self.objects.items()
            if object_class in by_class and resource not in UNMARKED
        ]

    def hidden_markers(self) -> list[str]:
        """Markers of the records a unit member without a grant may not see (other unit, confidential)."""
        return [
            marker(resource, OTHER_CONFIDENTIAL)
            for resource, by_class in self.objects.items()
            if OTHER_CONFIDENTIAL in by_class
        ]


def _with_email(make_user):
    """Everyone in the world has an e-mail address, so what notifications mail can be checked too."""

    def make(username, *roles, **extra):
        return make_user(username, *roles, email=f"{username}@example.com", **extra)

    return make


def build_world(units, make_user) -> World:
    own, other = units["RETAIL"], units["CORP"]
    make_user = _with_email(make_user)
    users = {"anonymous": None}
    for key in PRINCIPALS:
        if key != "anonymous":
            users[key] = make_user(key, key, units=(own,), password=PASSWORD)
    # Builders hold the roles needed to create each record in its unit; no principal is one of them.
    builder = make_user("builder", "program_manager", "data_scientist", units=(own, other))
    admin = make_user("builder_admin", "platform_admin", "program_manager")
    # Central functions that act across units (independent validation, exceptions); not matrix principals.
    users["validator"] = make_user("validator", "review_board", "sign_off_validation", units=(own,), password=PASSWORD)
    users["exception_authority"] = make_user("exception_authority", "exception_authority", units=(own,))
    users["emergency_approver"] = make_user("emergency_approver", "emergency_approver", units=(own,))
    users["compliance"] = make_user("compliance", "sign_off_compliance", units=(own,), password=PASSWORD)
    world = World(users=users)
    world.raiser = make_user("raiser", "sign_off_validation", units=(own, other))
    world.add("business_unit", "own", own)
    world.add("business_unit", "other", other)

    team = portfolio.team_create(actor=admin, name=marker("team", "any"))
    world.add("team", "any", team)
    today = date.today()
    wave = portfolio.wave_create(
        actor=builder, name=marker("wave", "any"), start=today, end=today + timedelta(days=90), capacities={team: 500}
    )
    world.add("wave", "any", wave)
    criterion = ScoringCriterion.objects.order_by("pk").first()
    review = portfolio.portfolio_review_create(
        actor=builder, title=marker("portfolio_review", "any"), quarter="2026-Q4", held_on=today
    )
    world.add("portfolio_review", "any", review)

    for object_class in CLASSES:
        unit = own if object_class.startswith("own") else other
        confidential = object_class.endswith("confidential")
        # T26: the other unit's confidential use case becomes confidential only after its model and version exist
        # (their own flags stay off): everything below it must be hidden all the same, and no one told of it.
        later = object_class == OTHER_CONFIDENTIAL
        use_case = portfolio.use_case_create(
            actor=builder,
            title=marker("use_case", object_class),
            business_unit=unit,
            confidential=confidential and not later,
        )
        portfolio.stop_loss_set(
            actor=builder,
            use_case=use_case,
            measure="realised_value",
            threshold=1,
            due_date=today + timedelta(days=120),
        )
        portfolio.score_record(actor=builder, use_case=use_case, criterion=criterion, score=3, rationale="baseline")
        value.value_contract_set(actor=builder, use_case=use_case, formula="precision * 2", constants={})
        model = lifecycle.model_register(actor=builder, name=marker("model", object_class), use_case=use_case)
        version = lifecycle.model_version_register(
            actor=builder, model=model, version=marker("model_version", object_class), metrics={"auc": 0.9}
        )
        if later:
            use_case = portfolio.use_case_update(
                actor=builder, use_case=use_case, confidential=True, reason="Made confidential after registration."
            )
            model.refresh_from_db()
            assert not model.confidential and not version.model.confidential
        deployment = lifecycle.deployment_record(
            actor=builder, version=version, environment="staging", endpoint=marker("deployment", object_class)
        )
        # Planning needs an approved use case; the workflow to get there is tested elsewhere.
        UseCase.objects.filter(pk=use_case.pk).update(status="approved")
        use_case.refresh_from_db()
        item = portfolio.roadmap_plan(
            actor=builder,
            use_case=use_case,
            wave=wave,
            planned_start=today + timedelta(days=1),
            planned_end=today + timedelta(days=30),
            efforts={team: 10},
        )
        portfolio.review_decide(
            actor=builder, review=review, use_case=use_case, decision="continue", notes=marker("decision", object_class)
        )
        consumer = decommissioning.consumer_register(
            actor=builder, model=model, system=marker("consumer", object_class), contact_email="ops@example.com"
        )
        plan = decommissioning.decommission_plan_create(
            actor=builder,
            model=model,
            reason="no_longer_needed",
            sunset_date=today + timedelta(days=400),
            explanation=marker("decommission", object_class),
        )
        for resource, obj in _governed(world, builder, object_class, model, version).items():
            world.add(resource, object_class, obj)
        for resource, obj in (
            ("consumer", consumer),
            ("decommission", plan),
            ("use_case", use_case),
            ("model", model),
            ("model_version", version),
            ("deployment", deployment),
            ("roadmap_item", item),
        ):
            world.add(resource, object_class, obj)
        if confidential:
            continue
        objective = portfolio.objective_create(
            actor=builder, title=marker("objective", object_class), business_unit=unit
        )
        kpi = portfolio.kpi_create(
            actor=builder,
            objective=objective,
            name=marker("kpi", object_class),
            unit="%",
            baseline=1,
            baseline_date=today,
            target=2,
            target_date=today + timedelta(days=365),
        )
        assumption = portfolio.assumption_create(
            actor=builder,
            statement=marker("assumption", object_class),
            review_date=today + timedelta(days=30),
            business_unit=unit,
        )
        agreement = portfolio.agreement_create(
            actor=builder,
            title=marker("agreement", object_class),
            provider=other if unit == own else own,
            consumer=unit,
            due_date=today + timedelta(days=60),
        )
        dataset = dataset_register(actor=builder, name=marker("dataset", object_class), business_unit=unit)
        for resource, obj in (
            ("dataset", dataset),
            ("objective", objective),
            ("kpi", kpi),
            ("assumption", assumption),
            ("agreement", agreement),
        ):
            world.add(resource, object_class, obj)

    world.add("capability", "any", portfolio.capability_create(actor=admin, name=marker("capability", "any")))
    world.add("skill", "any", portfolio.skill_create(actor=admin, name=marker("skill", "any")))
    world.add("scoring_criterion", "any", criterion)
    world.add(
        "freeze_window",
        "any",
        lifecycle.freeze_window_create(
            actor=admin,
            name=marker("freeze_window", "any"),
            start=timezone.now() + timedelta(days=200),
            end=timezone.now() + timedelta(days=201),
        ),
    )
    trainee = make_user(marker("training_record", "any"))
    world.add(
        "training_record",
        "any",
        governance.training_record_add(
            actor=admin, user=trainee, completed_on=today - timedelta(days=1), expires_on=today + timedelta(days=300)
        ),
    )
    world.add("review_policy", "any", governance.current_policy("low"))
    world.add("framework", "any", Framework.objects.get(code="eu-ai-act"))
    world.add("control", "any", Control.objects.get(code="CTL-01"))
    hidden_version = world.objects["model_version"][OTHER_CONFIDENTIAL]
    world.add(
        "sync_run",
        "any",
        SyncRun.objects.create(
            trigger=marker("sync_run", "any")[:20], errors=[f"{hidden_version}: MLflow has no training run"]
        ),
    )
    # A vendor supplies a model of every class: its pages and API list only the models the caller may see.
    vendor = sourcing.vendor_create(actor=admin, name=marker("vendor", "any"), services="hosted models")
    for model in world.objects["model"].values():
        sourcing.vendor_model_link(actor=admin, vendor=vendor, model=model)
    world.add("vendor", "any", vendor)
    _evaluations_and_audits(world, make_user, today)
    hold = retention.legal_hold_place(actor=admin, scope="all", reason=marker("legal_hold", "any"))
    world.add("legal_hold", "any", hold)
    world.add("purge_run", "any", retention.purge_expired(actor=admin, dry_run=True))
    # The program manager's own API token: a credential of a person, outside business-unit scope.
    token, _key = api_token_issue(user=users["program_manager"], name=marker("api_token", "any"))
    world.add("api_token", "any", token)
    world.add("audit_event", "any", AuditEvent.objects.order_by("-seq").first())
    return world


def _evaluations_and_audits(world, make_user, today) -> None:
    """A proposed evaluation, another in trial, an approved standard; an audit in fieldwork whose scope names
    the use cases of every class (each caller sees only those it may), with a finding and an overdue follow-up."""
    board = make_user("builder_board", "review_board")
    # Compliance with see-all, so the audit's scope can name every class of use case.
    auditor = make_user("builder_compliance", "sign_off_compliance", "platform_admin")
    world.add("evaluation", "any", sourcing.evaluation_create(actor=board, name=marker("evaluation", "any")))
    in_trial = sourcing.evaluation_create(actor=board, name="evaluation in trial")
    trial = sourcing.trial_start(
        actor=board,
        evaluation=in_trial,
        start=today,
        end=today + timedelta(days=30),
        goals=marker("sandbox_trial", "any"),
    )
    world.add("sandbox_trial", "any", trial)
    standard = sourcing.standard_approve(
        actor=board,
        name=marker("approved_standard", "any"),
        kind="standard",
        description="standard",
        review_date=today + timedelta(days=365),
    )
    world.add("approved_standard", "any", standard)
    external_audit = compliance.external_audit_create(
        actor=auditor,
        auditor=marker("external_audit", "any"),
        lead_auditor="lead",
        scope="scope",
        start_date=today - timedelta(days=10),
        end_date=today,
        report_link="https://reports.example/audit",
        use_cases=list(world.objects["use_case"].values()),
    )
    compliance.external_audit_transition(actor=auditor, external_audit=external_audit, to="fieldwork")
    world.add("external_audit", "any", external_audit)
    finding = compliance.audit_finding_add(
        actor=auditor,
        external_audit=external_audit,
        reference="F-1",
        severity="high",
        description=marker("audit_finding", "any"),
        owner=auditor,
        due_date=today,
    )
    world.add("audit_finding", "any", finding)
    follow_up = compliance.follow_up_add(
        actor=auditor,
        finding=finding,
        description=marker("follow_up", "any"),
        owner=auditor,
        due_date=today - timedelta(days=1),
    )
    world.add("follow_up", "any", follow_up)


def _governed(world, builder, object_class, model, version) -> dict:
    """The governance and monitoring records of one model version: an impact assessment (a draft) of its use
    case, the version's review with a high finding, a metric series with points, a rule on the model and
    the alert its points opened."""
    use_case = model.use_case
    assessment = governance.risk_assessment_create(
        actor=builder, use_case=use_case, answers={"purpose": marker("risk_assessment", object_class)}
    )
    # The tier comes from an approved assessment; that path is tested in tests/governance.
    type(use_case).objects.filter(pk=use_case.pk).update(risk_tier="low")
    version.model.use_case.refresh_from_db()
    review = governance.review_open(version=version, actor=builder)
    finding = governance.finding_raise(
        actor=world.raiser, review=review, severity="high", description=marker("finding", object_class)
    )
    rule = monitoring.alert_rule_create(
        actor=builder,
        name=marker("alert_rule", object_class),
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=model,
        condition="above",
        threshold=0.2,
        action="suspend",  # the alert proposes a suspension: its proposal is read and decided on too
    )
    series = MetricSeries.objects.create(
        model_version=version, run_id=marker("metric_series", object_class), metric=rule.metric
    )
    series_store(series_id=series.pk, points=[(0, 1_767_225_600_000, 0.1), (1, 1_767_312_000_000, 0.5)])
    # Spend this month above the model's budget: the cost report and page name the model as over budget.
    spend = MetricSeries.objects.create(
        model_version=version, run_id=f"cost-{object_class}", metric=MetricDefinition.objects.get(name="cost_usd")
    )
    series_store(series_id=spend.pk, points=[(0, int(timezone.now().timestamp() * 1000) - 60_000, 50.0)])
    budget = monitoring.budget_set(
        actor=builder,
        model=model,
        monthly_amount=10,
        valid_from=timezone.now().date(),
        note=marker("budget", object_class),
    )
    # Evidence as a file whose content carries the marker, so a download that leaks shows it.
    evidence = compliance.evidence_submit(
        actor=builder,
        control=Control.objects.get(code="CTL-01"),
        use_case=use_case,
        kind="file",
        file=SimpleUploadedFile(f"{marker('evidence', object_class)}.txt", marker("evidence", object_class).encode()),
        description=marker("evidence", object_class),
    )
    card = governance.model_card_save(actor=builder, version=version, limitations=marker("model_card", object_class))
    bias = governance.bias_assessment_create(
        actor=builder,
        version=version,
        data=b"label,prediction,group\n1,1,a\n0,0,a\n1,0,b\n0,1,b\n",
        file_name=marker("bias_assessment", object_class),
        reference_groups={"group": "a"},
    )
    test_evidence = governance.test_evidence_submit(
        actor=builder,
        version=version,
        kind="validation_protocol",
        method="holdout",
        summary=marker("test_evidence", object_class),
        results={"auc": 0.9},
        reference=f"DMS-{object_class}",
    )
    requested, released = _emergency(world, builder, object_class, version)
    return {
        "freeze_exemption": _freeze_exemption(builder, object_class, version),
        "emergency_release": requested,
        "post_implementation_review": released.pir,
        "budget": budget,
        "evidence": evidence,
        "test_evidence": test_evidence,
        "bias_assessment": bias,
        "model_card": card,
        "risk_assessment": assessment,
        "review": Review.objects.get(pk=review.pk),
        "finding": finding,
        "concern": governance.concern_raise(
            actor=builder, model=model, kind="ethics", description=marker("concern", object_class)
        ),
        "alert_rule": rule,
        "metric_series": series,
        "alert": Alert.objects.get(rule=rule, series=series),
        "feedback": feedback.feedback_give(
            actor=builder, version=version, prediction_id=marker("feedback", object_class), rating=4
        ),
        "retraining_request": retraining.retraining_request_open(
            actor=builder, model=model, notes=marker("retraining_request", object_class)
        ),
    }


def _freeze_exemption(builder, object_class, version):
    """A request for an exemption from a freeze, waiting for a decision. Written directly: the world runs no freeze
    (it would hold every move into production), and an exemption of no window exempts nothing."""
    from lifecycle.models import EmergencyApproval

    return EmergencyApproval.objects.create(
        version=version,
        requested_by=builder,
        reason=marker("freeze_exemption", object_class),
        valid_until=timezone.now() + timedelta(days=200),
    )


def _emergency(world, builder, object_class, version):
    """An open emergency request of the version, and an earlier release of it with its post-implementation review.
    Written directly: the world's versions stay out of production (T04 treats any version there as a breach)."""
    from governance.digest import content_digest
    from governance.models import EmergencyRelease, PostImplementationReview

    now = timezone.now()
    released = EmergencyRelease.objects.create(
        version=version,
        requested_by=builder,
        reason=marker("post_implementation_review", object_class),
        digest=content_digest(version),
        artefact_digest=version.digest,
        status="released",
        first_approver=world.raiser,
        first_approved_at=now,
        second_approver=world.users["exception_authority"],
        approved_at=now,
        valid_until=now,
        released_at=now,
    )
    PostImplementationReview.objects.create(release=released, due_on=now.date() + timedelta(days=7))
    requested = EmergencyRelease.objects.create(
        version=version,
        requested_by=builder,
        reason=marker("emergency_release", object_class),
        digest=content_digest(version),
        artefact_digest=version.digest,
    )
    return requested, EmergencyRelease.objects.select_related("pir").get(pk=released.pk)

"""Demo governance: trained signers, approved impact assessments in every tier (one prohibited), reviews
signed through the services, model cards and bias assessments, so the lifecycle demo's approvals pass the
real gates."""

import random
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from core.permissions import can, grant
from core.roles import ROLE_BY_KEY
from governance import services
from governance.choices import ReviewStatus
from governance.models import ModelCard, Review, RiskAssessment, TrainingRecord

DEMO_PASSWORD = "lodestar-demo-2026"
EXTRA_USERS = [
    ("rb3", "Grace", "Okafor", ["review_board", "sign_off_business", "sign_off_security"], ["RISK"]),
]
SIGNERS = ("rb", "rb2", "rb3")

LOW = {
    "purpose": "Support analysts with ranked suggestions; people decide.",
    "annex_iii_areas": [],
    "prohibited_practices": [],
    "interacts_with_people": False,
    "affected": ["employees"],
    "autonomy": "advisory",
    "personal_data": "none",
    "scale": "small",
    "reversibility": "reversible",
    "financial_impact": "low",
    "reputational_impact": "low",
    "safety_impact": "none",
}
MEDIUM = {**LOW, "personal_data": "personal", "scale": "large", "affected": ["customers"]}
HIGH = {**MEDIUM, "annex_iii_areas": ["credit"], "financial_impact": "high", "autonomy": "human_on_loop"}
CRITICAL = {**HIGH, "annex_iii_areas": ["credit", "employment"], "personal_data": "special_category"}
PROHIBITED = {**LOW, "prohibited_practices": ["emotion_workplace"], "affected": ["employees"]}
# Tiers by the use case's status: live versions are approved by the demo signers (low and medium need
# validation and business); versions awaiting approval sit in high and critical reviews.
TIERS_BY_STATUS = {
    "live": [LOW, MEDIUM],
    "in_delivery": [HIGH, CRITICAL],
    "approved": [MEDIUM, HIGH],
    "retired": [MEDIUM],  # they were live once: their models retired through the decommission workflow
}


def _people() -> list[tuple[str, str, str]]:
    from portfolio.models import BusinessUnit, Membership

    accounts = []
    for username, first, last, roles, unit_codes in EXTRA_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@lodestar.example"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(*Group.objects.filter(name__in=[ROLE_BY_KEY[r].name for r in roles]))
        for code in unit_codes:
            Membership.objects.get_or_create(user=user, business_unit=BusinessUnit.objects.get(code=code))
        accounts.append((username, ", ".join(ROLE_BY_KEY[r].name for r in roles), DEMO_PASSWORD))
    admin, today = User.objects.get(username="admin"), timezone.localdate()
    for user in User.objects.filter(username__in=SIGNERS):
        if not TrainingRecord.objects.filter(user=user).exists():
            services.training_record_add(
                actor=admin, user=user, completed_on=today - timedelta(days=60), expires_on=today + timedelta(days=305)
            )
    return accounts


def open_to(user, obj) -> None:
    """Confidential records of other units: the demo grants the reviewer access, as an admin would."""
    if not can(user, "view", obj):
        grant(actor=User.objects.get(username="admin"), grantee=user, action="view", obj=obj, reason="Demo review.")


def _assess(use_case, answers, *, approve: bool = True) -> None:
    author, reviewer = User.objects.get(username="pm"), User.objects.get(username="rb")
    open_to(reviewer, use_case)
    assessment = services.risk_assessment_create(actor=author, use_case=use_case, answers=answers)
    services.risk_assessment_submit(actor=author, assessment=assessment)
    if approve:
        services.risk_assessment_approve(actor=reviewer, assessment=assessment, reason="Demo assessment.")


@transaction.atomic
def seed() -> list[tuple[str, str, str]]:
    """People, training and assessments; run before the lifecycle demo. Returns the extra demo accounts."""
    from portfolio.models import UseCase

    accounts = _people()
    if RiskAssessment.objects.exists():
        return accounts
    for status, answer_sets in TIERS_BY_STATUS.items():
        for i, use_case in enumerate(UseCase.objects.filter(status=status).order_by("number")):
            _assess(use_case, answer_sets[i % len(answer_sets)])
    # The newest proposals: the oldest ones are the intake examples of the portfolio walkthrough.
    proposed = list(UseCase.objects.filter(status="proposed", confidential=False).order_by("-number")[:2])
    if proposed:
        _assess(proposed[0], PROHIBITED)  # blocks the use case: rejected
    if len(proposed) > 1:
        _assess(proposed[1], MEDIUM, approve=False)  # waiting for a reviewer
    return accounts


def _card(version, *, partial: bool = False) -> None:
    """A model card written by the version's owner: every section, or (partial) the first few only."""
    model, use_case = version.model, version.model.use_case
    text = {
        "intended_use": f"{use_case.problem_statement or use_case.title} Scores support people who decide.",
        "out_of_scope_uses": "Fully automated decisions; use outside the business unit's customers.",
        "users_affected": f"Customers of {use_case.business_unit.name} and the analysts who act on the scores.",
        "training_data": "\n".join(
            f"- {link.dataset.name} ({link.get_role_display().lower()})" for link in version.dataset_links.all()
        ),
        "evaluation_data": "A three-month out-of-time holdout after the training window.",
        "metrics_notes": "AUC and recall overall and by region; no region is more than 0.03 below the overall AUC.",
        "fairness_findings": "Selection and true-positive rates compared by age band and sex on the holdout; "
        "see the bias assessments of this version.",
        "explainability_method": "shap",
        "explainability_notes": "Top five SHAP contributions shown with every score.",
        "limitations": f"Trained on the last two years ({model.model_type or 'model'}); rare segments are thin.",
        "human_oversight": "An analyst confirms every action; the previous rules engine is the fallback.",
        "assumptions": "Input distributions stay close to the training window (watched by drift alerts).",
    }
    if partial:
        text = {k: v for k, v in text.items() if k in ("intended_use", "training_data", "explainability_method")}
    services.model_card_save(actor=model.owners.first() or version.submitted_by, version=version, **text)


def predictions_csv(*, rows: int = 400, seed: int = 7, fair: bool = False) -> bytes:
    """Deterministic predictions of a model that selects the 60+ age band far less often: fails the
    four-fifths rule (disparate impact about 0.6). `fair`: every band alike, which passes."""
    rng = random.Random(seed)
    lines = ["label,prediction,age_band,sex"]
    bands = (
        [("18-39", 0.45), ("40-59", 0.45), ("60+", 0.45)] if fair else [("18-39", 0.50), ("40-59", 0.45), ("60+", 0.24)]
    )
    for i in range(rows):
        band, rate = bands[i % 3]
        label = 1 if rng.random() < 0.45 else 0
        prediction = 1 if rng.random() < (rate + 0.2 * label) else 0
        lines.append(f"{label},{prediction},{band},{'F' if i % 2 else 'M'}")
    return ("\n".join(lines) + "\n").encode()


def _evidence_body(version, kind: str) -> dict:
    """What a developer of the version submits for one kind of test evidence."""
    name, number = version.model.name, version.version
    metrics = {k: v for k, v in (version.metrics or {}).items() if isinstance(v, int | float)}
    bodies = {
        "validation_protocol": {
            "method": "backtest",
            "summary": "Rolling-origin backtest over the last four quarters, each scored out of time; "
            "results are the mean over the folds.",
            "results": metrics or {"auc": 0.85},
            "reference": f"DMS-VAL/{name}/v{number}/backtest.pdf",
        },
        "code_review": {
            "summary": "Feature pipeline, training and scoring code reviewed by a second engineer; two "
            "comments fixed before merge.",
            "link": f"https://git.lodestar.example/ml/{name}/pull/{40 + int(number) if number.isdigit() else 40}",
        },
        "explainability_report": {
            "summary": "Global SHAP importances and per-segment summaries; the top five drivers match the "
            "business's expectations.",
            "reference": f"DMS-XAI/{name}/v{number}/shap-report.html",
        },
        "adversarial_robustness": {
            "summary": "Evasion attacks on the ten strongest features within plausible ranges: the decision "
            "flips for 1.8% of cases; input range checks added at the API.",
            "results": {"flip_rate": 0.018},
            "reference": f"DMS-SEC/{name}/v{number}/robustness.pdf",
        },
        "penetration_test": {
            "summary": "Serving API tested by the internal red team: authentication, rate limits, payload "
            "injection; one medium finding fixed and retested.",
            "reference": f"PT-{timezone.localdate():%Y}-{name[:12]}-v{number}",
        },
    }
    return bodies[kind]


def _reviewer_of(kind: str):
    from governance.required_evidence import reviewer_function

    function = reviewer_function(kind)
    return next(
        u
        for u in User.objects.filter(username__in=SIGNERS).order_by("username")
        if u.has_perm(f"governance.sign_{function}")
    )


def provide_test_evidence(version, *, missing=(), waiting=()) -> None:
    """The version's developer submits the test evidence its policy requires, and the demo's validation and
    security signers accept it; `missing` kinds are left out and `waiting` ones left for review."""
    from governance.required_evidence import version_requirements

    developer = version.model.owners.first() or version.submitted_by
    for requirement in version_requirements(version):
        if requirement.state == "accepted" or requirement.kind in missing:
            continue
        evidence = requirement.evidence if requirement.state == "waiting" else None
        if evidence is None:
            evidence = services.test_evidence_submit(
                actor=developer, version=version, kind=requirement.kind, **_evidence_body(version, requirement.kind)
            )
        if requirement.kind in waiting:
            continue
        reviewer = _reviewer_of(requirement.kind)
        open_to(reviewer, version.model)
        open_to(reviewer, version)
        services.test_evidence_review(actor=reviewer, evidence=evidence, decision="accept", comment="Checked.")


def sign_review(version) -> None:
    """Write the card of the version (and, where the policy asks, a passing bias assessment), provide its
    required test evidence and sign its open review with the demo signers, one function each (lifecycle demo
    hook before approval)."""
    if not hasattr(version, "model_card"):
        _card(version)
    review = Review.objects.filter(version=version, status=ReviewStatus.OPEN).first()
    needs_bias = review is not None and review.policy_snapshot.get("bias_assessment_required")
    if needs_bias and not version.bias_assessments.filter(passed=True).exists():
        services.bias_assessment_create(
            actor=version.model.owners.first() or version.submitted_by,
            version=version,
            data=predictions_csv(fair=True),
            file_name="holdout_predictions.csv",
            reference_groups={"age_band": "18-39", "sex": "M"},
        )
    provide_test_evidence(version)
    if review is None:
        return
    _sign(review, review.required_functions)


def _sign(review: Review, functions) -> None:
    used = set(review.sign_offs.filter(invalidated_at__isnull=True).values_list("signer_id", flat=True))
    for user in User.objects.filter(username__in=SIGNERS):
        open_to(user, review.version.model)
    for function in functions:
        signer = next(
            (
                user
                for user in User.objects.filter(username__in=SIGNERS).order_by("username")
                if user.pk not in used and user.has_perm(f"governance.sign_{function}")
            ),
            None,
        )
        if signer is None:
            continue
        services.sign_off_record(
            actor=signer, review=review, function=function, decision="approve", password=DEMO_PASSWORD
        )
        used.add(signer.pk)


@transaction.atomic
def seed_open_reviews() -> None:
    """After the lifecycle demo: the reviews waiting for approval get some signatures, not all; their
    versions get cards (the first one partial) and another one, where the policy asks for it, a failing bias
    assessment. One version's test evidence lacks one kind and has another waiting for review; the others
    have theirs accepted."""
    biased, gaps = False, False
    for i, review in enumerate(Review.objects.filter(status=ReviewStatus.OPEN).order_by("pk")):
        if review.sign_offs.exists():
            continue
        version = review.version
        if not ModelCard.objects.filter(version=version).exists():
            _card(version, partial=i == 0)
        if not biased and i > 0 and review.policy_snapshot.get("bias_assessment_required"):
            services.bias_assessment_create(
                actor=version.model.owners.first() or version.submitted_by,
                version=version,
                data=predictions_csv(),
                file_name="holdout_predictions.csv",
                reference_groups={"age_band": "18-39", "sex": "M"},
            )
            biased = True
        required = review.policy_snapshot.get("required_test_evidence", [])
        if not gaps and len(required) >= 2:
            provide_test_evidence(version, missing=required[-1:], waiting=required[-2:-1])
            gaps = True
        else:
            provide_test_evidence(version)
        _sign(review, ["validation"] if i % 2 == 0 else ["validation", "compliance"])
        if i == 0:
            services.finding_raise(
                actor=User.objects.get(username="rb"),
                review=review,
                severity="high",
                description="The backtest window overlaps the training period; performance is overstated.",
            )


def seed_concerns() -> None:
    """After the lifecycle demo: two open concerns, one raised anonymously about a supplied model, one past its
    response deadline and escalated."""
    from governance.models import Concern
    from lifecycle.models import AIModel

    if Concern.objects.exists():
        return
    pm, triager = (User.objects.get(username=name) for name in ("pm", "rb2"))
    models = list(AIModel.objects.filter(confidential=False).order_by("-third_party", "pk")[:2])
    if len(models) < 2:
        return
    first, second = models
    services.concern_raise(
        actor=pm,
        model=first,
        kind="data_ownership",
        description="The vendor's terms changed last month: does it still not train on our customers' prompts?",
        anonymous=True,
    )
    overdue = services.concern_raise(
        actor=pm,
        use_case=second.use_case,
        kind="fairness",
        description="Branch staff report that applicants over 60 are flagged far more often than others.",
    )
    overdue = services.concern_triage(actor=triager, concern=overdue, severity="high", assignee=triager)
    # Time cannot pass in a seed: the deadline is moved back, then the escalation runs as beat would run it.
    Concern.objects.filter(pk=overdue.pk).update(respond_by=timezone.localdate() - timedelta(days=2))
    services.concerns_escalate_overdue()


def seed_emergency_release() -> None:
    """After the lifecycle demo: rb2 and rb3 hold the emergency function; one pending version went to production
    under an emergency release they both approved, and its post-implementation review is open."""
    from core.exceptions import ApplicationError
    from governance.models import EmergencyRelease
    from lifecycle import services as lifecycle
    from lifecycle.models import ModelVersion

    approvers = [User.objects.get(username=name) for name in ("rb2", "rb3")]
    for user in approvers:
        user.groups.add(Group.objects.get(name=ROLE_BY_KEY["emergency_approver"].name))
    approvers = [User.objects.get(pk=user.pk) for user in approvers]  # fresh permissions
    if EmergencyRelease.objects.exists():
        return
    candidates = ModelVersion.objects.filter(stage="pending_approval", model__confidential=False).exclude(
        model__owners__in=approvers
    )
    from governance import cards
    from governance.models import BiasAssessment

    for version in candidates.select_related("model").order_by("pk"):
        owner = version.model.owners.first()
        card = ModelCard.objects.filter(version=version).first()
        # A documented version: the demo's partial card and failing fairness stay on versions awaiting review.
        if owner is None or card is None or cards.completeness(card, version) < 100:
            continue
        if BiasAssessment.objects.filter(version=version, passed=False).exists():
            continue
        try:
            with transaction.atomic():
                if not version.deployments.filter(environment="production").exists():
                    lifecycle.deployment_record(
                        actor=owner, version=version, environment="production", endpoint="https://serve.internal/v2"
                    )
                release = services.emergency_release_request(
                    actor=owner,
                    version=version,
                    reason="The current version misses a new card-testing pattern: chargebacks tripled since "
                    "Monday. This version was trained on last week's labels; the full review is two weeks out.",
                )
                for approver in approvers:
                    services.emergency_release_approve(
                        actor=approver,
                        release=release,
                        comment="Agreed: losses outweigh the review delay.",
                        password=DEMO_PASSWORD,
                    )
                services.emergency_release_deploy(actor=owner, release=release, password=DEMO_PASSWORD)
                return
        except ApplicationError:
            continue  # another gate holds this version (a freeze, a signature break): try the next one


def seed_freeze_exemption() -> None:
    """A month-end freeze that ran this morning and ended early: during it an owner asked to release a version,
    and rb approved with their password; the freeze ended before the release, so the exemption expired unused."""
    from governance.services import freeze_exemptions
    from lifecycle import services as lifecycle
    from lifecycle.models import EmergencyApproval, ModelVersion

    if EmergencyApproval.objects.exists():
        return
    approver, admin = User.objects.get(username="rb"), User.objects.get(username="admin")
    candidates = ModelVersion.objects.filter(
        stage__in=("approved", "staging", "pending_approval"), model__confidential=False
    ).exclude(model__owners=approver)
    version = next((v for v in candidates.order_by("pk") if v.model.owners.exists()), None)
    if version is None:
        return
    now = timezone.now()
    window = lifecycle.freeze_window_create(
        actor=admin,
        name="Month-end close",
        start=now - timedelta(hours=3),
        end=now + timedelta(hours=5),
        reason="Ledger close: no production changes.",
    )
    exemption = freeze_exemptions.freeze_exemption_request(
        actor=version.model.owners.first(),
        version=version,
        reason="Scores drift on the new card product; the fixed version should not wait for the close to finish.",
    )
    freeze_exemptions.freeze_exemption_approve(
        actor=approver, exemption=exemption, comment="Agreed for this one release.", password=DEMO_PASSWORD
    )
    lifecycle.freeze_window_end(actor=admin, window=window, reason="The close finished early.")


__all__ = [
    "open_to",
    "predictions_csv",
    "provide_test_evidence",
    "seed",
    "seed_concerns",
    "seed_emergency_release",
    "seed_freeze_exemption",
    "seed_open_reviews",
    "sign_review",
]

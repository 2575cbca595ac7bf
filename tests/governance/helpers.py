"""A real, complete governance path for tests that need an approved version: an approved impact
assessment, a review opened by the service, and every required function signed by a trained person."""

from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone

from core.roles import ROLE_BY_KEY
from governance import services
from governance.choices import ReviewStatus
from governance.models import Review, TrainingRecord
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from tests.lifecycle.helpers import record_training_data

PASSWORD = "signing-pass-2026"
# Answers that classify as minimal risk, low tier: one validation sign-off, no thresholds.
LOW_ANSWERS = {
    "purpose": "Rank internal documents for analysts.",
    "annex_iii_areas": [],
    "prohibited_practices": [],
    "interacts_with_people": False,
    "affected": ["internal_only"],
    "autonomy": "advisory",
    "personal_data": "none",
    "scale": "small",
    "reversibility": "reversible",
    "financial_impact": "low",
    "reputational_impact": "low",
    "safety_impact": "none",
}


def person(username: str, *roles: str, trained: bool = True, units=()) -> User:
    """A user with roles and (by default) current AI-literacy training; reused when it exists."""
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": username.title()})
    if created:
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(*Group.objects.filter(name__in=[ROLE_BY_KEY[r].name for r in roles]))
        for unit in units:
            user.business_unit_memberships.create(business_unit=unit)
        if trained:
            today = timezone.localdate()
            TrainingRecord.objects.create(
                user=user, completed_on=today - timedelta(days=30), expires_on=today + timedelta(days=335)
            )
    return User.objects.get(pk=user.pk)


def approve_assessment(use_case, answers=None):
    """Assess a use case (low tier by default) and have a second reviewer approve it."""
    author = person("assessor", "review_board")
    approver = person("assessment-approver", "review_board")
    assessment = services.risk_assessment_create(actor=author, use_case=use_case, answers=answers or LOW_ANSWERS)
    services.risk_assessment_submit(actor=author, assessment=assessment)
    return services.risk_assessment_approve(actor=approver, assessment=assessment)


def signer_for(function: str, **kwargs) -> User:
    return person(f"signer-{function}", "review_board", f"sign_off_{function}", **kwargs)


def sign_all(review: Review, *, skip=()) -> None:
    """Every required function approves (the card and fairness gates are satisfied first)."""
    document(review.version)
    for function in review.required_functions:
        if function not in skip:
            services.sign_off_record(
                actor=signer_for(function), review=review, function=function, decision="approve", password=PASSWORD
            )


FULL_CARD = {
    "intended_use": "Score transactions for analysts to review.",
    "out_of_scope_uses": "Automatic decisions without a person.",
    "users_affected": "Card holders and fraud analysts.",
    "training_data": "Twelve months of labelled transactions.",
    "evaluation_data": "A later three-month holdout.",
    "metrics_notes": "AUC by region and by card type.",
    "fairness_findings": "No gap above the four-fifths rule by age band.",
    "explainability_method": "shap",
    "explainability_notes": "SHAP values shown to analysts per alert.",
    "limitations": "Not trained on business cards.",
    "human_oversight": "Analysts decide; rules engine is the fallback.",
    "assumptions": "Fraud patterns change slowly.",
}
# Two groups with the same selection rate and TPR: a bias assessment that passes any threshold.
FAIR_CSV = b"label,prediction,group\n1,1,a\n0,0,a\n1,1,b\n0,0,b\n"


# A believable body per kind of test evidence (what a developer submits).
TEST_EVIDENCE = {
    "validation_protocol": {
        "method": "holdout",
        "summary": "Out-of-time holdout of the last three months.",
        "results": {"auc": 0.91, "recall": 0.84},
        "reference": "DMS-VAL-2026-001",
    },
    "adversarial_robustness": {
        "summary": "Evasion attacks on the top features; the score moves less than 0.05.",
        "link": "https://wiki.example/robustness",
    },
    "penetration_test": {"summary": "Serving API tested by the red team; no finding open.", "reference": "PT-2026-07"},
    "code_review": {"summary": "Feature pipeline and training code reviewed.", "link": "https://git.example/pr/1"},
    "explainability_report": {"summary": "SHAP summary per segment.", "reference": "DMS-XAI-2026-004"},
}


def evidence_reviewer_for(kind: str) -> User:
    """The independent holder of the function that reviews this kind (validation or security)."""
    from governance.required_evidence import reviewer_function

    return signer_for(reviewer_function(kind))


def provide_test_evidence(version, *, skip=()) -> None:
    """What the test evidence gate asks: every kind the version's policy requires, submitted by its developer
    for its current content and accepted by an independent reviewer of the right function."""
    from governance.models import TestEvidence
    from governance.required_evidence import version_requirements

    owner = version.model.owners.first() or version.submitted_by
    for requirement in version_requirements(version):
        if requirement.kind in skip or requirement.state == "accepted":
            continue
        evidence = requirement.evidence if requirement.state == "waiting" else None
        if evidence is None:
            evidence = services.test_evidence_submit(
                actor=owner, version=version, kind=requirement.kind, **TEST_EVIDENCE[requirement.kind]
            )
        services.test_evidence_review(
            actor=evidence_reviewer_for(requirement.kind),
            evidence=TestEvidence.objects.get(pk=evidence.pk),
            decision="accept",
        )


def document(version) -> None:
    """What the card, fairness and test evidence gates ask of any version: a complete card, a passing bias
    assessment and the required test evidence, accepted."""
    from governance.models import BiasAssessment, ModelCard

    owner = version.model.owners.first() or version.submitted_by
    if not ModelCard.objects.filter(version=version).exists():
        services.model_card_save(actor=owner, version=version, **FULL_CARD)
    if not BiasAssessment.objects.filter(version=version, passed=True).exists():
        services.bias_assessment_create(
            actor=owner, version=version, data=FAIR_CSV, file_name="fair.csv", reference_groups={"group": "a"}
        )
    provide_test_evidence(version)


def complete_review(version) -> Review:
    """The version's open review (opened by the service if the test placed the version in pending
    approval directly), signed by every required function; its model card written and its fairness assessed."""
    version.refresh_from_db()
    document(version)
    review = Review.objects.filter(version=version, status=ReviewStatus.OPEN).first()
    if review is None:
        review = services.review_open(version=version, actor=version.submitted_by)
    sign_all(review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED
    return review


def approve_version(version, *, actor=None):
    """Move a pending version to approved through a complete review (assessing its use case if needed)."""
    use_case = version.model.use_case
    use_case.refresh_from_db()
    if use_case.risk_tier == "unassessed":
        approve_assessment(use_case)
    complete_review(version)
    return lifecycle.model_version_transition(
        actor=actor or person("board-chair", "review_board"), version=version, to_stage=Stage.APPROVED, reason="ok"
    )


def approved_version(model, number, *, actor, signature=None, **fields):
    """Register a version and take it to approved the whole way: validation, submission, full review."""
    version = lifecycle.model_version_register(
        actor=actor, model=model, version=str(number), signature=signature or {"inputs": "[amount]"}, **fields
    )
    return walk_to_approved(version, actor=actor)


def walk_to_approved(version, *, actor):
    """A registered version (with a signature) through validation and submission to approved."""
    lifecycle.model_version_transition(actor=actor, version=version, to_stage=Stage.IN_VALIDATION)
    if not version.dataset_links.exists():
        record_training_data(version, actor=actor)
    version.model.use_case.refresh_from_db()
    if version.model.use_case.risk_tier == "unassessed":
        approve_assessment(version.model.use_case)
    lifecycle.model_version_transition(actor=actor, version=version, to_stage=Stage.PENDING_APPROVAL)
    return approve_version(version)


def seed_approval_set(version) -> Review:
    """The approval a version seeded straight into production had when it got there: an approved review signed
    by every required function on its digest, written directly as seeding writes (the database's deploy gate
    lets a rollback restore the version on the strength of it)."""
    from governance.digest import content_digest
    from governance.models import SignOff
    from governance.services.policies import current_policy

    policy = current_policy("low")
    review = Review.objects.create(
        version=version, policy=policy, policy_snapshot=policy.snapshot(), status=ReviewStatus.APPROVED
    )
    signer, _ = User.objects.get_or_create(username="seeded-signer")
    SignOff.objects.bulk_create(
        SignOff(
            review=review,
            function=function,
            signer=signer,
            signer_name="Seeded signer",
            decision="approve",
            meaning="Seeded approval.",
            digest=content_digest(version),
            artefact_digest=version.digest,
            policy_version=policy.version,
        )
        for function in policy.required_functions
    )
    return review


def seed_restorable(version, *, actor) -> Review:
    """A version seeded out of production (deprecated, suspended) as it stood when it was there: its use case
    assessed, its card written, its production deployment recorded and its approval set on its current content,
    so production's gates let a rollback restore it."""
    use_case = version.model.use_case
    use_case.refresh_from_db()
    if use_case.risk_tier == "unassessed":
        approve_assessment(use_case)
        use_case.refresh_from_db()  # its tier is in the content digest the approval set is bound to
    document(version)
    lifecycle.deployment_record(actor=actor, version=version, environment="production")
    return seed_approval_set(version)

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


def document(version) -> None:
    """What the card and fairness gates ask of any version: a complete card and a passing bias assessment."""
    from governance.models import BiasAssessment, ModelCard

    owner = version.model.owners.first() or version.submitted_by
    if not ModelCard.objects.filter(version=version).exists():
        services.model_card_save(actor=owner, version=version, **FULL_CARD)
    if not BiasAssessment.objects.filter(version=version, passed=True).exists():
        services.bias_assessment_create(
            actor=owner, version=version, data=FAIR_CSV, file_name="fair.csv", reference_groups={"group": "a"}
        )


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

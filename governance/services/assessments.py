"""Impact assessments: answer (draft), submit, approve by someone other than the author."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed
from core.permissions import require, require_model_perm
from governance.choices import OPEN_ASSESSMENT_STATUSES, AssessmentStatus
from governance.classification import classify
from governance.models import Questionnaire, ReviewPolicy, RiskAssessment
from portfolio import services as portfolio


def current_questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.objects.order_by("-version").first()
    if questionnaire is None:
        raise Conflict("No impact-assessment questionnaire is published; run the migrations.")
    return questionnaire


def clean_answers(questionnaire: Questionnaire, answers: dict, *, complete: bool) -> dict:
    """The answers checked against the questionnaire; each problem names its question key."""
    if not isinstance(answers, dict):
        raise ApplicationError("answers: give an object of {question key: answer}.", details={"answers": ["Object."]})
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for key, value in answers.items():
        question = questionnaire.question(key)
        if question is None:
            errors[key] = ["Not a question of this questionnaire."]
            continue
        options = {str(v) for v, _ in question.get("options", [])}
        kind = question["kind"]
        if value in (None, "", []):
            continue
        if kind == "bool" and not isinstance(value, bool):
            errors[key] = ["Answer true or false."]
        elif kind == "text" and not isinstance(value, str):
            errors[key] = ["Answer in words."]
        elif kind == "choice" and value not in options:
            errors[key] = [f"Choose one of: {', '.join(sorted(options))}."]
        elif kind == "multi" and (not isinstance(value, list) or not set(value) <= options):
            errors[key] = [f"Give a list of: {', '.join(sorted(options))}."]
        else:
            cleaned[key] = value.strip() if isinstance(value, str) else value
    if complete:
        for question in questionnaire.questions:
            if question.get("required") and cleaned.get(question["key"]) in (None, "", []):
                errors.setdefault(question["key"], ["Required before submitting."])
    if errors:
        names = ", ".join(sorted(errors))
        raise ApplicationError(f"Check the answers to: {names}.", details=errors)
    return cleaned


def _apply(assessment: RiskAssessment) -> None:
    result = classify(assessment.answers)
    assessment.eu_category, assessment.tier, assessment.reasons = result.eu_category, result.tier, result.reasons


@transaction.atomic
def risk_assessment_create(*, actor, use_case, answers: dict | None = None) -> RiskAssessment:
    """Start an assessment of a use case (a draft) with the current questionnaire."""
    require(actor, "view", use_case)
    # Reviewers assess the use cases of every unit; anyone else only those of their own units.
    reviewer = actor.has_perm("governance.approve_riskassessment")
    require_model_perm(actor, RiskAssessment, "add", business_unit=None if reviewer else use_case.business_unit)
    questionnaire = current_questionnaire()
    assessment = RiskAssessment(
        use_case=use_case,
        questionnaire=questionnaire,
        author=actor,
        answers=clean_answers(questionnaire, answers or {}, complete=False),
    )
    _apply(assessment)
    if RiskAssessment.objects.filter(use_case=use_case, status__in=OPEN_ASSESSMENT_STATUSES).exists():
        raise Conflict(f"{use_case.code} already has an assessment in progress; continue that one.")
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError as exc:
        raise Conflict(f"{use_case.code} already has an assessment in progress; continue that one.") from exc
    audit.record(
        actor=actor,
        action="risk_assessment.created",
        target=assessment,
        after={"use_case": use_case.code, "questionnaire": questionnaire.version},
    )
    return assessment


def _locked(assessment: RiskAssessment) -> RiskAssessment:
    return RiskAssessment.objects.select_for_update().select_related("use_case").get(pk=assessment.pk)


@transaction.atomic
def risk_assessment_answer(*, actor, assessment: RiskAssessment, answers: dict) -> RiskAssessment:
    """Change answers of a draft (merged into those given before); the result is recomputed."""
    assessment = _locked(assessment)
    if assessment.author_id != actor.pk:
        raise NotAllowed("Only the author of a draft assessment may change its answers.")
    if assessment.status != AssessmentStatus.DRAFT:
        raise Conflict(f"This assessment is {assessment.get_status_display().lower()}; only a draft changes.")
    before = dict(assessment.answers)
    merged = {**assessment.answers, **answers}
    assessment.answers = clean_answers(assessment.questionnaire, merged, complete=False)
    _apply(assessment)
    assessment.save()
    audit.record(
        actor=actor,
        action="risk_assessment.answered",
        target=assessment,
        before=before,
        after=assessment.answers,
    )
    return assessment


@transaction.atomic
def risk_assessment_submit(*, actor, assessment: RiskAssessment) -> RiskAssessment:
    """Hand a complete draft to a reviewer."""
    assessment = _locked(assessment)
    if assessment.author_id != actor.pk:
        raise NotAllowed("Only the author may submit this assessment.")
    if assessment.status != AssessmentStatus.DRAFT:
        raise Conflict(f"This assessment is already {assessment.get_status_display().lower()}.")
    clean_answers(assessment.questionnaire, assessment.answers, complete=True)
    _apply(assessment)
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, timezone.now()
    assessment.save()
    audit.record(
        actor=actor,
        action="risk_assessment.submitted",
        target=assessment,
        after={"eu_category": assessment.eu_category, "tier": assessment.tier, "reasons": assessment.reasons},
    )
    return assessment


@transaction.atomic
def risk_assessment_approve(*, actor, assessment: RiskAssessment, reason: str = "") -> RiskAssessment:
    """A reviewer (not the author) approves: the use case takes the tier; prohibited blocks it;
    the reassessment falls due after the cadence of the tier's policy."""
    assessment = _locked(assessment)
    require(actor, "view", assessment.use_case)
    if not actor.has_perm("governance.approve_riskassessment"):
        raise NotAllowed("Only reviewers may approve impact assessments.")
    if actor.pk == assessment.author_id:
        raise NotAllowed("You wrote this assessment; another reviewer must approve it.")
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise Conflict(f"Only a submitted assessment can be approved; this one is {assessment.status}.")
    _apply(assessment)  # the rules that decide, at the moment of approval
    policy = ReviewPolicy.objects.filter(tier=assessment.tier).order_by("-version").first()
    cadence = policy.reassessment_cadence_days if policy else 365
    RiskAssessment.objects.filter(use_case=assessment.use_case, status=AssessmentStatus.APPROVED).update(
        status=AssessmentStatus.SUPERSEDED
    )
    assessment.status, assessment.approved_by, assessment.approved_at = AssessmentStatus.APPROVED, actor, timezone.now()
    assessment.reassessment_due = timezone.localdate() + timedelta(days=cadence)
    assessment.save()
    audit.record(
        actor=actor,
        action="risk_assessment.approved",
        target=assessment,
        reason=reason,
        after={
            "eu_category": assessment.eu_category,
            "tier": assessment.tier,
            "reasons": assessment.reasons,
            "reassessment_due": assessment.reassessment_due,
        },
    )
    prohibited = assessment.eu_category == "prohibited"
    portfolio.use_case_apply_risk_classification(
        actor=actor,
        use_case=assessment.use_case,
        risk_tier=assessment.tier,
        prohibited=prohibited,
        reason=(
            "Impact assessment approved: prohibited under the EU AI Act (Art. 5)."
            if prohibited
            else f"Impact assessment approved: {assessment.tier} tier."
        ),
    )
    return assessment

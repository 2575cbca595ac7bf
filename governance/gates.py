"""Governance's gates, registered into lifecycle (apps.py): a check returns None or what is missing."""

import operator

from governance.choices import AssessmentStatus, Decision, EUCategory, FindingStatus, ReviewStatus, Severity
from governance.digest import content_digest
from governance.models import FUNCTION_NAMES, Finding, Review, RiskAssessment

_OPERATORS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


def _approved_assessment(version) -> RiskAssessment | None:
    """The use case's latest approved impact assessment (newest first), if any."""
    return RiskAssessment.objects.filter(use_case=version.model.use_case, status=AssessmentStatus.APPROVED).first()


def assessment_approved(version) -> str | None:
    """The use case has an approved impact assessment. Production checks it on every path, the emergency
    release included (not waivable): a use case nobody assessed has no risk tier to release under."""
    if _approved_assessment(version) is None:
        code = version.model.use_case.code
        return f"{code} has no approved impact assessment: assess it and have a reviewer approve it."
    return None


def not_prohibited_practice(version) -> str | None:
    """The use case's approved assessment does not find a practice the EU AI Act prohibits (Art. 5); no path,
    the emergency release included, takes such a version further."""
    assessment = _approved_assessment(version)
    if assessment is not None and assessment.eu_category == EUCategory.PROHIBITED:
        return (
            f"{version.model.use_case.code} is a prohibited practice under the EU AI Act: no version may be "
            "approved or put into production."
        )
    return None


def latest_review(version) -> Review | None:
    return (
        Review.objects.filter(version=version)
        .exclude(status=ReviewStatus.SUPERSEDED)
        .prefetch_related("sign_offs")
        .order_by("-opened_at", "-pk")
        .first()
    )


def review_complete(version) -> str | None:
    """A review of this version has an approval from every required function, on the current content."""
    from governance.services.reviews import current_sign_offs

    review = latest_review(version)
    if review is None:
        return "No review of this version: submit it for approval to open one."
    if review.status == ReviewStatus.REJECTED:
        return f"Review #{review.pk} was rejected."
    digest = content_digest(version)
    standing = current_sign_offs(review, digest)
    missing = [
        FUNCTION_NAMES[f]
        for f in review.required_functions
        if f not in standing or standing[f].decision != Decision.APPROVE
    ]
    if not missing:
        return None
    stale = [s for s in review.sign_offs.all() if s.invalidated_at is None and s.digest != digest]
    why = " The version's content changed after it was signed, so earlier sign-offs no longer count." if stale else ""
    return f"Review #{review.pk} lacks the approval of: {', '.join(missing)}.{why}"


def no_open_high_finding(version) -> str | None:
    """No open high-severity finding on the review, unless a live exception covers it."""
    from django.utils import timezone

    review = latest_review(version)
    if review is None:
        return None
    blocking = (
        Finding.objects.filter(review=review, severity=Severity.HIGH)
        .exclude(status=FindingStatus.CLOSED)
        .exclude(exceptions__expires_at__gt=timezone.now())
        .values_list("pk", flat=True)
    )
    if blocking:
        ids = ", ".join(f"#{pk}" for pk in blocking)
        return f"Open high-severity finding {ids}: close it, or ask the exception authority for a time-boxed exception."
    return None


def failed_thresholds(thresholds: list[dict], metrics: dict) -> list[str]:
    """Each threshold the metrics miss, in words (a missing metric fails)."""
    failures = []
    for rule in thresholds:
        value = metrics.get(rule["metric"])
        if not isinstance(value, int | float) or isinstance(value, bool):
            failures.append(f"{rule['metric']} is not recorded (needs {rule['operator']} {rule['value']:g})")
        elif not _OPERATORS[rule["operator"]](value, rule["value"]):
            failures.append(f"{rule['metric']} is {value:g}, needs {rule['operator']} {rule['value']:g}")
    return failures


def metric_thresholds_met(version) -> str | None:
    """The version's metrics meet the thresholds of the policy its review runs under."""
    review = latest_review(version)
    if review is None:
        return None  # the review gate says what is missing
    from governance.fairness import FAIRNESS_METRICS

    # Fairness thresholds hold per group of a bias assessment (bias_assessment_passed), not on run metrics.
    rules = [r for r in review.policy_snapshot.get("metric_thresholds", []) if r["metric"] not in FAIRNESS_METRICS]
    failures = failed_thresholds(rules, version.metrics or {})
    if failures:
        return "Metric thresholds not met: " + "; ".join(failures) + "."
    return None


def approval_current(version) -> str | None:
    """Production: the version's approval is complete on its current content and has not expired."""
    from datetime import timedelta

    from django.utils import timezone

    problem = review_complete(version)
    if problem:
        return problem
    review = latest_review(version)
    days = review.policy_snapshot.get("approval_validity_days")
    if review.closed_at and days and review.closed_at + timedelta(days=days) < timezone.now():
        expired = review.closed_at + timedelta(days=days)
        return f"The approval of review #{review.pk} expired on {expired:%Y-%m-%d}: a new review is needed."
    return None


def model_card_complete(version) -> str | None:
    """Every model-card section the policy requires is complete."""
    from governance.cards import incomplete_required
    from governance.models import ModelCard
    from governance.services.cards import policy_for_version

    required = policy_for_version(version).get("model_card_sections", [])
    if not required:
        return None
    card = ModelCard.objects.filter(version=version).first()
    missing = incomplete_required(card, version, required)
    if not missing:
        return None
    listed = "; ".join(f"{s.title} ({s.label.lower()}: needs {', '.join(s.missing)})" for s in missing)
    return f"The model card is incomplete where the policy requires it: {listed}."


def bias_assessment_passed(version) -> str | None:
    """Where the policy requires it, the version's latest bias assessment passes."""
    from governance.models import BiasAssessment
    from governance.services.cards import policy_for_version

    if not policy_for_version(version).get("bias_assessment_required"):
        return None
    latest = BiasAssessment.objects.filter(version=version).order_by("-created_at", "-pk").first()
    if latest is None:
        return "The policy requires a bias assessment: upload the version's predictions with its protected attributes."
    if not latest.passed:
        return f"Bias assessment #{latest.pk} failed: {'; '.join(latest.failures)}."
    return None


def _values_named(data, name: str) -> list[float]:
    """Every number stored under `name` anywhere in a bias assessment's results (one per group)."""
    if isinstance(data, dict):
        found = [data[name]] if isinstance(data.get(name), int | float) and not isinstance(data[name], bool) else []
        return found + [v for key, item in data.items() if key != name for v in _values_named(item, name)]
    if isinstance(data, list):
        return [v for item in data for v in _values_named(item, name)]
    return []


def fairness_measures(version, review) -> tuple:
    """Beside the bias gate on the checklist: each fairness threshold of the review's policy with the value of
    the worst group of the latest bias assessment (the one furthest on the wrong side of the threshold)."""
    from governance.fairness import FAIRNESS_METRICS
    from governance.models import BiasAssessment
    from lifecycle.selectors import threshold_measure

    if review is None:  # the policy's thresholds are those the review holds
        return ()
    rules = [
        r for r in (review.policy_snapshot or {}).get("metric_thresholds", []) if r.get("metric") in FAIRNESS_METRICS
    ]
    if not rules:
        return ()
    latest = BiasAssessment.objects.filter(version=version).order_by("-created_at", "-pk").first()
    measures = []
    for rule in rules:
        values = _values_named(latest.results if latest else None, rule["metric"])
        worst = (min(values) if rule["operator"] in (">=", ">") else max(values)) if values else None
        source = f"bias assessment #{latest.pk}, worst group" if latest else "no bias assessment yet"
        measures.append(threshold_measure(rule, worst, source=source, missing="not measured"))
    return tuple(measures)


def emergency_waiver(*, version, to_stage: str):
    """Production only: an approved, unexpired emergency release of this very version, on the content that was
    approved, waives the review gates; an open release that does not (yet) hold says why."""
    from governance.services import emergency
    from lifecycle.choices import Stage
    from lifecycle.gates import Waiver

    if to_stage != Stage.PRODUCTION:
        return None
    release = emergency.open_release(version)
    if release is None:
        return None
    why = emergency.problem(release, version)
    if why:
        return Waiver(problem=why, gate="emergency release valid")
    return Waiver(by=emergency.label(release))


def required_test_evidence(version) -> str | None:
    """Each kind of test evidence the policy requires is accepted for this version, on its current content."""
    from governance.required_evidence import unmet_in_words, version_requirements

    unmet = unmet_in_words(version_requirements(version))
    if unmet is None:
        return None
    return (
        f"Required test evidence is not in place: {unmet}. Submit it for this version and have an independent "
        "validation or security reviewer accept it."
    )

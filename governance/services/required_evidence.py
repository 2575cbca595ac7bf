"""Required test evidence of a version: submitted by its developers bound to its content digest, accepted or
rejected by an independent holder of the validation or security function."""

import math

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import can, require
from governance.choices import TestEvidenceKind, TestEvidenceStatus, ValidationMethod
from governance.digest import content_digest
from governance.models import FUNCTION_NAMES, TestEvidence, function_permission
from governance.required_evidence import KIND_LABELS, reviewer_function
from notifications import services as notifications

MAX_RESULTS = 50
MAX_TEXT = 20_000
CLOSED_STAGES = ("rejected", "retired")


def _clean_results(value, *, required: bool) -> dict[str, float]:
    """{"metric": number}; required (non-empty) for a validation protocol."""
    if value in (None, "", {}):
        if required:
            raise ApplicationError(
                'results: a validation protocol gives its results as {"metric": value}, e.g. {"auc": 0.91}.',
                details={"results": ["Required for a validation protocol."]},
            )
        return {}
    if not isinstance(value, dict) or len(value) > MAX_RESULTS:
        raise ApplicationError(
            f'results: give at most {MAX_RESULTS} results as {{"metric": value}}.', details={"results": ["A map."]}
        )
    cleaned = {}
    for name, number in value.items():
        name = str(name).strip()
        ok = 0 < len(name) <= 100 and isinstance(number, int | float) and not isinstance(number, bool)
        if not ok or not math.isfinite(number):
            raise ApplicationError(
                f"results: each result is a metric name and a number; {name[:60]!r} is not.",
                details={"results": [f"Bad result: {name[:60]}"]},
            )
        cleaned[name] = float(number)
    return cleaned


def _stakeholders(version) -> list:
    return [u for u in (version.submitted_by, *version.model.owners.all()) if u]


def _version_locked(version):
    from lifecycle.models import ModelVersion

    return (
        ModelVersion.objects.select_for_update(of=("self",))
        .select_related("model__use_case", "submitted_by")
        .prefetch_related("dataset_links__dataset")
        .get(pk=version.pk)
    )


@transaction.atomic
def test_evidence_submit(
    *,
    actor,
    version,
    kind: str,
    summary: str,
    method: str = "",
    results: dict | None = None,
    link: str = "",
    reference: str = "",
) -> TestEvidence:
    """Evidence of one kind of test for a version, by its developers (who may change its model), bound to the
    version's current content digest and waiting for an independent reviewer."""
    require(actor, "change", version.model)
    version = _version_locked(version)
    if version.stage in CLOSED_STAGES:
        raise Conflict(f"{version} is {version.get_stage_display().lower()}: it takes no more test evidence.")
    if kind not in TestEvidenceKind.values:
        raise ApplicationError(
            f"kind: unknown kind “{str(kind)[:40]}”; use one of {', '.join(TestEvidenceKind.values)}.",
            details={"kind": ["Unknown kind."]},
        )
    method = (method or "").strip()
    if kind == TestEvidenceKind.VALIDATION_PROTOCOL:
        if method not in ValidationMethod.values:
            raise ApplicationError(
                f"method: a validation protocol names its method: {', '.join(ValidationMethod.values)}.",
                details={"method": ["Required for a validation protocol."]},
            )
    elif method:
        raise ApplicationError(
            "method: only a validation protocol has a method; leave it empty.", details={"method": ["Not used."]}
        )
    summary = require_text(summary, field="summary", hint="say what was tested, how, and what came out.")
    if len(summary) > MAX_TEXT:
        raise ApplicationError(f"summary: at most {MAX_TEXT} characters.", details={"summary": ["Too long."]})
    results = _clean_results(results, required=kind == TestEvidenceKind.VALIDATION_PROTOCOL)
    link, reference = (link or "").strip(), (reference or "").strip()
    if link and (not link.lower().startswith(("https://", "http://")) or len(link) > 500):
        raise ApplicationError("link: give an http(s) address of at most 500 characters.", details={"link": []})
    if len(reference) > 300:
        raise ApplicationError("reference: at most 300 characters.", details={"reference": ["Too long."]})
    if not link and not reference:
        raise ApplicationError(
            "link: give a link to the report, or a reference to the file where it is kept.",
            details={"link": ["A link or a file reference is required."]},
        )
    digest = content_digest(version)
    if TestEvidence.objects.filter(
        version=version, kind=kind, version_digest=digest, status=TestEvidenceStatus.SUBMITTED
    ).exists():
        raise Conflict(
            f"{KIND_LABELS[kind]} evidence for this content is already waiting for review; wait for its decision.",
            details={"kind": ["Already waiting for review."]},
        )
    evidence = TestEvidence.objects.create(
        version=version,
        kind=kind,
        method=method,
        summary=summary,
        results=results,
        link=link,
        reference=reference,
        submitted_by=actor,
        version_digest=digest,
    )
    audit.record(
        actor=actor,
        action="test_evidence.submitted",
        target=evidence,
        after={
            "version": str(version),
            "kind": kind,
            "method": method,
            "results": results,
            "link": link,
            "reference": reference,
            "digest": digest,
        },
    )
    function = reviewer_function(kind)
    from governance.services.reviews import holders_of

    excluded = {u.pk for u in _stakeholders(version)} | {actor.pk}
    notifications.notify(
        recipients=[u for u in holders_of(function) if u.pk not in excluded and can(u, "view", version.model)],
        subject=f"{KIND_LABELS[kind]} of {version} waits for a {FUNCTION_NAMES[function]} review",
        body=summary[:500],
        url=reverse("governance:test_evidence", args=[version.pk]),
        category="review",
        about=version,
    )
    return evidence


@transaction.atomic
def test_evidence_review(*, actor, evidence: TestEvidence, decision: str, comment: str = "") -> TestEvidence:
    """Accept or reject submitted test evidence: a holder of the function that reviews its kind (security for
    attacks on the model and its API, validation for the rest), independent of the submitter and of the
    model's developers, on the content it was submitted for."""
    if not TestEvidence.objects.restrict(actor, "view").filter(pk=evidence.pk).exists():
        raise NotAllowed("You may not review test evidence you cannot see.")
    evidence = TestEvidence.objects.select_for_update().get(pk=evidence.pk)
    version = _version_locked(evidence.version)
    function = reviewer_function(evidence.kind)
    if not actor.has_perm(function_permission(function)):
        raise NotAllowed(
            f"{evidence.get_kind_display()} evidence is reviewed by holders of the {FUNCTION_NAMES[function]} "
            "function; you do not hold it."
        )
    if actor.pk in {u.pk for u in _stakeholders(version)} | {evidence.submitted_by_id}:
        raise NotAllowed(
            f"You submitted this evidence or develop {version.model.name}; an independent reviewer must decide."
        )
    if decision not in ("accept", "reject"):
        raise ApplicationError("decision: accept or reject.", details={"decision": ["Invalid."]})
    if evidence.status != TestEvidenceStatus.SUBMITTED:
        raise Conflict(f"This evidence was already {evidence.get_status_display().lower()}.")
    if evidence.version_digest != content_digest(version):
        raise Conflict(
            "The version's content changed after this evidence was submitted: it no longer speaks for the version. "
            "Ask its developers to submit it again for the current content."
        )
    comment = (comment or "").strip()
    if decision == "reject":
        comment = require_text(comment, field="comment", hint="say why the evidence is rejected and what is missing.")
    if len(comment) > MAX_TEXT:
        raise ApplicationError(f"comment: at most {MAX_TEXT} characters.", details={"comment": ["Too long."]})
    evidence.status = TestEvidenceStatus.ACCEPTED if decision == "accept" else TestEvidenceStatus.REJECTED
    evidence.reviewed_by, evidence.reviewed_at, evidence.review_comment = actor, timezone.now(), comment
    evidence.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    audit.record(
        actor=actor,
        action=f"test_evidence.{evidence.status}",
        target=evidence,
        reason=comment,
        before={"status": TestEvidenceStatus.SUBMITTED},
        after={"status": evidence.status, "function": function, "digest": evidence.version_digest},
    )
    notifications.notify(
        recipients=[evidence.submitted_by, *_stakeholders(version)],
        subject=f"{evidence.get_kind_display()} of {version} was {evidence.status}",
        body=comment or f"Accepted by {actor.get_full_name() or actor.get_username()}.",
        url=reverse("governance:test_evidence", args=[version.pk]),
        category="review",
        about=evidence,
    )
    return evidence


# Service names, not tests: a test module that imports them must not have pytest collect them.
test_evidence_submit.__test__ = False
test_evidence_review.__test__ = False

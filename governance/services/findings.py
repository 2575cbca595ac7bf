"""Effective challenge: validators raise findings, the developers respond, a validator closes each one;
a separate exception authority may let an open high-severity finding pass for a limited time."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import require
from governance.choices import FindingStatus, ReviewStatus, Severity
from governance.models import Finding, FindingException, function_permission
from notifications import services as notifications

MAX_EXCEPTION_DAYS = 90


def _is_developer(user, version) -> bool:
    return user.pk == version.submitted_by_id or version.model.owners.filter(pk=user.pk).exists()


def _require_validator(actor, version) -> None:
    require(actor, "view", version.model)
    if not actor.has_perm(function_permission("validation")):
        raise NotAllowed("Only holders of the Validation function raise and close findings.")
    if _is_developer(actor, version):
        raise NotAllowed(f"You submitted or own {version.model.name}; an independent validator must do this.")


def _locked(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().select_related("review__version__model").get(pk=finding.pk)


@transaction.atomic
def finding_raise(*, actor, review, severity: str, description: str) -> Finding:
    version = review.version
    _require_validator(actor, version)
    if review.status not in (ReviewStatus.OPEN, ReviewStatus.APPROVED):
        raise Conflict(f"This review is {review.get_status_display().lower()}: raise findings on an open review.")
    if severity not in Severity.values:
        raise ApplicationError(
            f"severity: use one of {', '.join(Severity.values)}.", details={"severity": ["Unknown."]}
        )
    description = require_text(description, field="description", hint="describe what the validation found.")
    finding = Finding.objects.create(review=review, severity=severity, description=description, raised_by=actor)
    audit.record(
        actor=actor, action="finding.raised", target=review, after={"finding": finding.pk, "severity": severity}
    )
    notifications.notify(
        recipients=[version.submitted_by, *version.model.owners.all()],
        subject=f"{finding.get_severity_display()} finding on {version}",
        body=description,
        url=reverse("governance:review_detail", args=[review.pk]),
        category="review",
        about=finding,
    )
    return finding


@transaction.atomic
def finding_respond(*, actor, finding: Finding, response: str) -> Finding:
    finding = _locked(finding)
    version = finding.review.version
    require(actor, "view", version.model)
    if not _is_developer(actor, version):
        raise NotAllowed("Only the submitter or an owner of the model responds to a finding.")
    if finding.status == FindingStatus.CLOSED:
        raise Conflict("This finding is closed.")
    finding.response = require_text(response, field="response", hint="say what you changed or why it stands.")
    finding.status, finding.responded_by, finding.responded_at = FindingStatus.RESPONDED, actor, timezone.now()
    finding.save()
    audit.record(actor=actor, action="finding.responded", target=finding.review, after={"finding": finding.pk})
    return finding


@transaction.atomic
def finding_close(*, actor, finding: Finding, note: str = "") -> Finding:
    finding = _locked(finding)
    _require_validator(actor, finding.review.version)
    if finding.status != FindingStatus.RESPONDED:
        raise Conflict(
            "A finding is closed after the developers responded."
            if finding.status == FindingStatus.OPEN
            else "This finding is already closed."
        )
    finding.status, finding.closed_by, finding.closed_at = FindingStatus.CLOSED, actor, timezone.now()
    finding.save()
    audit.record(
        actor=actor, action="finding.closed", target=finding.review, reason=note, after={"finding": finding.pk}
    )
    return finding


@transaction.atomic
def finding_exception_grant(*, actor, finding: Finding, reason: str, days: int) -> FindingException:
    finding = _locked(finding)
    version = finding.review.version
    require(actor, "view", version.model)
    if not actor.has_perm("governance.grant_findingexception"):
        raise NotAllowed("Only the exception authority grants exceptions.")
    if actor.pk == finding.raised_by_id or _is_developer(actor, version):
        raise NotAllowed("An exception is granted by someone other than the validator and the developers.")
    if finding.severity != Severity.HIGH or finding.status == FindingStatus.CLOSED:
        raise Conflict("Exceptions are for open high-severity findings only.")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXCEPTION_DAYS:
        raise ApplicationError(
            f"days: an exception lasts between 1 and {MAX_EXCEPTION_DAYS} days.", details={"days": ["Out of range."]}
        )
    reason = require_text(reason, field="reason", hint="say why the version may proceed despite the finding.")
    granted = FindingException.objects.create(
        finding=finding, granted_by=actor, reason=reason, expires_at=timezone.now() + timedelta(days=days)
    )
    audit.record(
        actor=actor,
        action="finding.exception_granted",
        target=finding.review,
        reason=reason,
        after={"finding": finding.pk, "expires_at": granted.expires_at},
    )
    return granted

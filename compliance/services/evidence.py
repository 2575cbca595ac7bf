"""Compliance evidence: submitted for a control and a use case (or one version), reviewed by a compliance
reviewer, lapsing on its expiry date or when a newer version of the model is registered."""

import hashlib
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from audit import services as audit
from compliance.choices import EvidenceKind, EvidenceStatus
from compliance.models import Control, Evidence
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import can, require_model_perm
from notifications import services as notifications
from portfolio.services.base import validate

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# extension: the leading bytes a real file of that type starts with (None: UTF-8 text).
ALLOWED_TYPES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),
    "csv": None,
    "txt": None,
    "md": None,
    "json": None,
}
DEFAULT_VALIDITY_DAYS = 365  # accepted evidence without an expiry date lapses after a year


def _check_file(upload) -> tuple[str, bytes]:
    """The safe file name and content of an upload within the limits, or a 400 that says which limit."""
    name = get_valid_filename((upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]) if upload.name else ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise ApplicationError(
            f"file: “.{extension}” files are not accepted; use {allowed}.", details={"file": [allowed]}
        )
    if upload.size is None or upload.size > MAX_EVIDENCE_BYTES:
        raise ApplicationError(
            f"file: the file is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.", details={"file": ["Too large."]}
        )
    content = upload.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise ApplicationError("file: the file is larger than 10 MB.", details={"file": ["Too large."]})
    if not content:
        raise ApplicationError("file: the file is empty.", details={"file": ["Empty."]})
    signatures = ALLOWED_TYPES[extension]
    if signatures is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise ApplicationError(
                f"file: a .{extension} file must be UTF-8 text.", details={"file": ["Not UTF-8 text."]}
            ) from None
    elif not content.startswith(signatures):
        raise ApplicationError(
            f"file: the content is not a .{extension} file.", details={"file": ["Content does not match its type."]}
        )
    return name, content


def _notify_owners(evidence: Evidence, *, subject: str, body: str) -> None:
    model = evidence.version.model if evidence.version_id else None
    recipients = [evidence.submitted_by, *(model.owners.all() if model else [])]
    notifications.notify(
        recipients=recipients,
        subject=subject,
        body=body,
        url=reverse("compliance:use_case_coverage", args=[evidence.use_case_id]),
        category="compliance",
        about=evidence,
    )


@transaction.atomic
def evidence_submit(
    *,
    actor,
    control: Control,
    use_case,
    kind: str,
    version=None,
    file=None,
    url: str = "",
    text: str = "",
    description: str = "",
    expires_on: date | None = None,
) -> Evidence:
    """Evidence that `control` is in place for a use case (or one of its versions), waiting for review.
    The submitter must see the use case and version and belong to the use case's unit."""
    from lifecycle.models import ModelVersion
    from portfolio.models import UseCase

    if not can(actor, "view", use_case) or (version is not None and not can(actor, "view", version)):
        raise NotAllowed("You may not submit evidence for a use case or version you cannot see.")
    require_model_perm(actor, Evidence, "add", business_unit=use_case.business_unit)
    use_case = UseCase.objects.get(pk=use_case.pk)
    if version is not None:
        version = ModelVersion.objects.select_related("model").get(pk=version.pk)
        if version.model.use_case_id != use_case.pk:
            raise ApplicationError(
                "version: the version belongs to a model of another use case.", details={"version": ["Other use case."]}
            )
    if kind not in EvidenceKind.values:
        raise ApplicationError(f"kind: choose one of {', '.join(EvidenceKind.values)}.", details={"kind": ["Invalid."]})
    if expires_on is not None and expires_on <= timezone.localdate():
        raise ApplicationError("expires_on: the expiry date must be in the future.", details={"expires_on": ["Past."]})
    evidence = Evidence(
        control=control,
        use_case=use_case,
        version=version,
        kind=kind,
        description=(description or "").strip()[:300],
        submitted_by=actor,
        expires_on=expires_on,
    )
    content = b""
    if kind == EvidenceKind.FILE:
        if file is None:
            raise ApplicationError("file: attach the evidence file.", details={"file": ["Required."]})
        evidence.filename, content = _check_file(file)
        evidence.size = len(content)
        evidence.sha256 = hashlib.sha256(content).hexdigest()
    elif kind == EvidenceKind.LINK:
        evidence.url = require_text(url, field="url", hint="give the address of the evidence.")
        if not evidence.url.lower().startswith(("https://", "http://")):
            raise ApplicationError("url: the link must be an http(s) address.", details={"url": ["Not http(s)."]})
    else:
        evidence.text = require_text(text, field="text", hint="describe the evidence.")
    validate(evidence, exclude=["file"])
    if content:
        from django.core.files.base import ContentFile

        evidence.file.save(evidence.filename, ContentFile(content), save=False)
    evidence.save()
    audit.record(
        actor=actor,
        action="evidence.submitted",
        target=evidence,
        business_unit_id=use_case.business_unit_id,
        after={
            "control": control.code,
            "use_case": use_case.code,
            "version": str(version) if version else None,
            "kind": kind,
            "sha256": evidence.sha256,
            "expires_on": str(expires_on) if expires_on else None,
        },
    )
    return evidence


@transaction.atomic
def evidence_review(
    *, actor, evidence: Evidence, decision: str, comment: str = "", expires_on: date | None = None
) -> Evidence:
    """A compliance reviewer accepts or rejects submitted evidence; never their own. An accepted item
    without an expiry date lapses after DEFAULT_VALIDITY_DAYS."""
    if not actor.has_perm("compliance.review_evidence"):
        raise NotAllowed("Only compliance reviewers accept or reject evidence.")
    if not Evidence.objects.restrict(actor, "view").filter(pk=evidence.pk).exists():
        raise NotAllowed("You may not review evidence you cannot see.")
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.submitted_by_id == actor.pk:
        raise NotAllowed("You submitted this evidence: another reviewer must decide on it.")
    if decision not in ("accept", "reject"):
        raise ApplicationError("decision: accept or reject.", details={"decision": ["Invalid."]})
    if evidence.status != EvidenceStatus.SUBMITTED:
        raise Conflict(f"This evidence was already {evidence.get_status_display().lower()}.")
    if evidence.stale:
        raise Conflict(f"This evidence is stale ({evidence.stale_reason}); ask for evidence of the current version.")
    today = timezone.localdate()
    if decision == "reject":
        comment = require_text(comment, field="comment", hint="say why the evidence is rejected.")
    if expires_on is not None and expires_on <= today:
        raise ApplicationError("expires_on: the expiry date must be in the future.", details={"expires_on": ["Past."]})
    before = {"status": evidence.status, "expires_on": str(evidence.expires_on) if evidence.expires_on else None}
    evidence.status = EvidenceStatus.ACCEPTED if decision == "accept" else EvidenceStatus.REJECTED
    evidence.reviewer = actor
    evidence.reviewed_at = timezone.now()
    evidence.review_comment = (comment or "").strip()
    if expires_on is not None:
        evidence.expires_on = expires_on
    elif decision == "accept" and evidence.expires_on is None:
        evidence.expires_on = today + timedelta(days=DEFAULT_VALIDITY_DAYS)
    evidence.save(update_fields=["status", "reviewer", "reviewed_at", "review_comment", "expires_on", "updated_at"])
    audit.record(
        actor=actor,
        action=f"evidence.{'accepted' if decision == 'accept' else 'rejected'}",
        target=evidence,
        business_unit_id=evidence.use_case.business_unit_id,
        reason=evidence.review_comment,
        before=before,
        after={"status": evidence.status, "expires_on": str(evidence.expires_on) if evidence.expires_on else None},
    )
    if decision == "reject":
        _notify_owners(
            evidence,
            subject=f"Evidence for {evidence.control.code} on {evidence.use_case.code} was rejected",
            body=evidence.review_comment,
        )
    return evidence


def evidence_stale_for_new_version(*, version, actor, from_stage: str = "", reason: str = "") -> list[int]:
    """Listener of a version's registration: evidence bound to an older version of the same model no longer
    speaks for what will run; it goes stale and the owners are asked to renew it."""
    lapsed = list(
        Evidence.objects.select_for_update(of=("self",))
        .filter(version__model_id=version.model_id, stale=False)
        .exclude(version=version)
        .exclude(status=EvidenceStatus.REJECTED)
        .select_related("control", "version", "use_case")
    )
    if not lapsed:
        return []
    why = f"Version {version.version} of {version.model} was registered."
    Evidence.objects.filter(pk__in=[e.pk for e in lapsed]).update(stale=True, stale_reason=why[:300])
    for evidence in lapsed:
        audit.record(
            actor=actor,
            action="evidence.stale",
            target=evidence,
            business_unit_id=evidence.use_case.business_unit_id,
            reason=why,
            before={"stale": False, "version": evidence.version.version},
            after={"stale": True, "by_version": version.version},
        )
    controls = ", ".join(sorted({e.control.code for e in lapsed}))
    notifications.notify(
        recipients=[*version.model.owners.all(), *(e.submitted_by for e in lapsed)],
        subject=f"Renew compliance evidence for {version.model} {version.version}",
        body=f"{why} Evidence for {controls} was bound to an older version and no longer counts; "
        "submit it again for the new version.",
        url=reverse("compliance:use_case_coverage", args=[version.model.use_case_id]),
        category="compliance",
        about=version,
    )
    return [e.pk for e in lapsed]


def evidence_expiring(*, within_days: int = 30):
    """Accepted evidence whose expiry falls in the coming days (for reminders and the calendar)."""
    today = timezone.localdate()
    return Evidence.objects.valid(today).filter(expires_on__lte=today + timedelta(days=within_days))

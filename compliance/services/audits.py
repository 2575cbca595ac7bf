"""External audits (compliance): the firm, its lead auditor, the scope (frameworks, use cases), the dates and
the report; findings with owners and due dates, and the follow-ups that settle them. Run by compliance
(`compliance.manage_externalaudit`); an audit closes only when every finding is settled."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from compliance.choices import NEXT_AUDIT_STATUSES, AuditSeverity, ExternalAuditStatus, FollowUpStatus
from compliance.models import AuditFinding, ExternalAudit, FollowUp
from core.exceptions import ApplicationError, Conflict, NotAllowed, as_date, require_text
from core.permissions import require
from notifications import services as notifications
from portfolio.services.base import validate

MANAGE_PERM = "compliance.manage_externalaudit"
AUDIT_FIELDS = ("auditor", "lead_auditor", "scope", "start_date", "end_date", "report_link")
AUDIT_SCOPE_FIELDS = ("frameworks", "use_cases")


def _require_manager(actor) -> None:
    if not (actor and actor.is_active and actor.has_perm(MANAGE_PERM)):
        raise NotAllowed("Only compliance records external audits, their findings and follow-ups.")


def _state(external_audit: ExternalAudit, *, with_scope: bool = True) -> dict:
    state = {f: getattr(external_audit, f) for f in (*AUDIT_FIELDS, "status")}
    if with_scope and external_audit.pk:
        state["frameworks"] = sorted(f.code for f in external_audit.frameworks.all())
        state["use_cases"] = sorted(u.code for u in external_audit.use_cases.all())
    return state


def _open(external_audit: ExternalAudit) -> ExternalAudit:
    external_audit = ExternalAudit.objects.select_for_update().get(pk=external_audit.pk)
    if external_audit.status == ExternalAuditStatus.CLOSED:
        raise Conflict(f"The {external_audit} is closed: nothing on it changes any more.")
    return external_audit


def _clean(fields: dict) -> dict:
    unknown = sorted(set(fields) - set(AUDIT_FIELDS) - set(AUDIT_SCOPE_FIELDS))
    if unknown:
        raise ApplicationError(
            f"Unknown audit fields: {', '.join(unknown)}.", details=dict.fromkeys(unknown, ["Unknown."])
        )
    clean = dict(fields)
    hints = {
        "auditor": "name the audit firm.",
        "lead_auditor": "name the lead auditor.",
        "scope": "say what the audit covers.",
    }
    for field, hint in hints.items():
        if field in clean:
            clean[field] = require_text(clean[field], field=field, hint=hint)
    for field in ("start_date", "end_date"):
        if field in clean:
            clean[field] = as_date(clean[field], field=field)
    if "report_link" in clean:
        clean["report_link"] = clean["report_link"] or ""
    return clean


def _check_dates(external_audit: ExternalAudit) -> None:
    if external_audit.end_date < external_audit.start_date:
        raise ApplicationError(
            f"end_date: an audit ends on or after its start ({external_audit.start_date:%Y-%m-%d}); "
            "pick a later end date.",
            details={"end_date": ["Before the start date."]},
        )


def _set_scope(actor, external_audit: ExternalAudit, scope: dict) -> None:
    if "frameworks" in scope:
        external_audit.frameworks.set(scope["frameworks"] or [])
    if "use_cases" in scope:
        from portfolio.models import UseCase

        use_cases = list(scope["use_cases"] or [])
        for use_case in use_cases:
            require(actor, "view", use_case)  # an audit names only use cases its recorder may see
        # Use cases in scope that the actor may not see stay: an edit cannot drop what it cannot show.
        kept = external_audit.use_cases.exclude(pk__in=UseCase.objects.restrict(actor, "view").values("pk"))
        external_audit.use_cases.set([*use_cases, *kept])


@transaction.atomic
def external_audit_create(*, actor, **fields) -> ExternalAudit:
    """Plan an external audit: firm, lead auditor, scope (text, frameworks, use cases) and dates."""
    _require_manager(actor)
    clean = _clean(fields)
    missing = [f for f in ("auditor", "lead_auditor", "scope", "start_date", "end_date") if f not in clean]
    if missing:
        raise ApplicationError(
            f"{missing[0]}: required to plan an audit.", details=dict.fromkeys(missing, ["Required."])
        )
    scope = {k: clean.pop(k) for k in AUDIT_SCOPE_FIELDS if k in clean}
    external_audit = ExternalAudit(created_by=actor, **clean)
    _check_dates(external_audit)
    validate(external_audit)
    external_audit.save()
    _set_scope(actor, external_audit, scope)
    audit.record(actor=actor, action="external_audit.created", target=external_audit, after=_state(external_audit))
    return external_audit


@transaction.atomic
def external_audit_update(*, actor, external_audit: ExternalAudit, **fields) -> ExternalAudit:
    """Correct an audit that is not closed: firm, auditor, scope, dates, report link."""
    _require_manager(actor)
    external_audit = _open(external_audit)
    before = _state(external_audit)
    clean = _clean(fields)
    scope = {k: clean.pop(k) for k in AUDIT_SCOPE_FIELDS if k in clean}
    for name, value in clean.items():
        setattr(external_audit, name, value)
    _check_dates(external_audit)
    validate(external_audit)
    external_audit.save()
    _set_scope(actor, external_audit, scope)
    after = _state(external_audit)
    if after != before:
        audit.record(actor=actor, action="external_audit.updated", target=external_audit, before=before, after=after)
    return external_audit


def unsettled_findings(external_audit: ExternalAudit) -> list[str]:
    """Why each finding still blocks closing: a follow-up open, or nothing done about it and no risk accepted."""
    blocking = []
    for finding in external_audit.findings.prefetch_related("follow_ups").order_by("reference"):
        if finding.risk_accepted:
            continue
        follow_ups = list(finding.follow_ups.all())
        still_open = [f for f in follow_ups if f.status == FollowUpStatus.OPEN]
        if not follow_ups:
            blocking.append(f"{finding.reference} has no follow-up and its risk is not accepted")
        elif still_open:
            blocking.append(f"{finding.reference} has {len(still_open)} open follow-up(s)")
    return blocking


@transaction.atomic
def external_audit_transition(*, actor, external_audit: ExternalAudit, to: str, reason: str = "") -> ExternalAudit:
    """Move an audit on: planned → fieldwork → reported (with its report link) → closed (every finding's
    follow-ups done, or its risk accepted)."""
    _require_manager(actor)
    external_audit = _open(external_audit)
    if to not in ExternalAuditStatus.values:
        raise ApplicationError(
            f"to: use one of {', '.join(ExternalAuditStatus.values)}.", details={"to": ["Unknown status."]}
        )
    current = ExternalAuditStatus(external_audit.status)
    if to == current:
        return external_audit
    if to not in NEXT_AUDIT_STATUSES[current]:
        allowed = ", ".join(sorted(NEXT_AUDIT_STATUSES[current]))
        raise Conflict(f"A {current.label.lower()} audit moves to {allowed}, not {to}.")
    if to == ExternalAuditStatus.REPORTED and not external_audit.report_link:
        raise ApplicationError(
            "report_link: record where the audit report is before marking the audit reported.",
            details={"report_link": ["Required to report."]},
        )
    if to == ExternalAuditStatus.CLOSED:
        blocking = unsettled_findings(external_audit)
        if blocking:
            raise Conflict(
                "The audit cannot close: " + "; ".join(blocking) + ". Finish the follow-ups or accept the risk.",
                details={"findings": blocking},
            )
        external_audit.closed_by, external_audit.closed_at = actor, timezone.now()
    external_audit.status = to
    external_audit.save()
    audit.record(
        actor=actor,
        action="external_audit.transitioned",
        target=external_audit,
        before={"status": current.value},
        after={"status": to},
        reason=reason,
    )
    return external_audit


# --- Findings and follow-ups -------------------------------------------------------------------------------


def _owner(owner, *, field: str = "owner"):
    if owner is None or not getattr(owner, "is_active", False):
        raise ApplicationError(f"{field}: pick an active person to own it.", details={field: ["Inactive or missing."]})
    return owner


@transaction.atomic
def audit_finding_add(
    *, actor, external_audit: ExternalAudit, reference: str, severity: str, description: str, owner, due_date
) -> AuditFinding:
    """Record a finding the auditors raised during fieldwork or in their report; its owner is told."""
    _require_manager(actor)
    external_audit = _open(external_audit)
    if external_audit.status == ExternalAuditStatus.PLANNED:
        raise Conflict("The audit is only planned: findings are recorded from fieldwork on.")
    reference = require_text(reference, field="reference", hint="give the auditors' reference, e.g. F-01.")
    if severity not in AuditSeverity.values:
        raise ApplicationError(
            f"severity: use one of {', '.join(AuditSeverity.values)}.", details={"severity": ["Unknown."]}
        )
    description = require_text(description, field="description", hint="say what the auditors found.")
    taken = external_audit.findings.filter(reference__iexact=reference).first()
    if taken is not None:
        raise ApplicationError(
            f"reference: this audit has a finding {taken.reference} already.", details={"reference": ["Taken."]}
        )
    finding = AuditFinding(
        audit=external_audit,
        reference=reference,
        severity=severity,
        description=description,
        owner=_owner(owner),
        due_date=as_date(due_date, field="due_date"),
    )
    validate(finding)
    finding.save()
    audit.record(
        actor=actor,
        action="external_audit.finding_added",
        target=external_audit,
        after={"finding": reference, "severity": severity, "owner": owner.get_username(), "due_date": finding.due_date},
    )
    notifications.notify(
        recipients=[finding.owner],
        subject=f"You own audit finding {reference} ({finding.get_severity_display().lower()})",
        body=description,
        url=reverse("compliance:external_audit_detail", args=[external_audit.pk]),
        category="compliance",
        about=None,  # an external audit is enterprise-wide; the finding names no record
    )
    return finding


@transaction.atomic
def audit_finding_accept_risk(*, actor, finding: AuditFinding, reason: str) -> AuditFinding:
    """Accept the risk of a finding instead of acting on it, with the reason; it no longer blocks closing."""
    _require_manager(actor)
    finding = AuditFinding.objects.select_for_update().get(pk=finding.pk)
    _open(finding.audit)
    if finding.risk_accepted:
        raise Conflict(f"The risk of {finding.reference} is already accepted.")
    reason = require_text(reason, field="reason", hint="say why the risk is acceptable and who carries it.")
    finding.risk_accepted_reason, finding.risk_accepted_by, finding.risk_accepted_at = reason, actor, timezone.now()
    finding.save()
    audit.record(
        actor=actor,
        action="external_audit.risk_accepted",
        target=finding.audit,
        after={"finding": finding.reference},
        reason=reason,
    )
    return finding


@transaction.atomic
def follow_up_add(*, actor, finding: AuditFinding, description: str, owner, due_date) -> FollowUp:
    """Plan an action on a finding: what, who, by when; its owner is told."""
    _require_manager(actor)
    finding = AuditFinding.objects.select_related("audit").get(pk=finding.pk)
    _open(finding.audit)
    description = require_text(description, field="description", hint="say what will be done.")
    follow_up = FollowUp(
        finding=finding, description=description, owner=_owner(owner), due_date=as_date(due_date, field="due_date")
    )
    validate(follow_up)
    follow_up.save()
    audit.record(
        actor=actor,
        action="external_audit.follow_up_added",
        target=finding.audit,
        after={"finding": finding.reference, "follow_up": follow_up.pk, "owner": owner.get_username()},
    )
    notifications.notify(
        recipients=[follow_up.owner],
        subject=f"Follow-up on audit finding {finding.reference}, due {follow_up.due_date:%Y-%m-%d}",
        body=description,
        url=reverse("compliance:external_audit_detail", args=[finding.audit_id]),
        category="compliance",
        about=None,  # likewise
    )
    return follow_up


@transaction.atomic
def follow_up_complete(*, actor, follow_up: FollowUp, note: str) -> FollowUp:
    """Mark a follow-up done with a note of what was done; by its owner or by compliance."""
    follow_up = FollowUp.objects.select_for_update().select_related("finding__audit").get(pk=follow_up.pk)
    if not (actor and actor.is_active and (actor.pk == follow_up.owner_id or actor.has_perm(MANAGE_PERM))):
        raise NotAllowed("Only the follow-up's owner or compliance marks it done.")
    _open(follow_up.finding.audit)
    if follow_up.status == FollowUpStatus.DONE:
        raise Conflict("This follow-up is already done.")
    note = require_text(note, field="note", hint="say what was done, and where the proof is.")
    follow_up.status, follow_up.completion_note = FollowUpStatus.DONE, note
    follow_up.completed_by, follow_up.completed_at = actor, timezone.now()
    follow_up.save()
    audit.record(
        actor=actor,
        action="external_audit.follow_up_done",
        target=follow_up.finding.audit,
        after={"finding": follow_up.finding.reference, "follow_up": follow_up.pk},
        reason=note,
    )
    return follow_up

"""Concerns: anyone signed in raises one about a use case or a model they can see; the triage team sets its
severity, assignee and response deadline, then resolves it (resolution required) or dismisses it (reason
required). A concern past its deadline escalates once to the triage team and the assignee."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import can, require
from governance.choices import ConcernKind, ConcernSeverity, ConcernStatus
from governance.models import Concern
from notifications import services as notifications

TRIAGE_PERM = "governance.triage_concern"
# Days the triage team has to triage a new concern, then to respond, by severity.
TRIAGE_DAYS = 5
RESPONSE_DAYS = {
    ConcernSeverity.CRITICAL: 2,
    ConcernSeverity.HIGH: 5,
    ConcernSeverity.MEDIUM: 10,
    ConcernSeverity.LOW: 20,
}


def triage_team():
    """Active users who hold the triage permission, through a role or directly."""
    permission = Permission.objects.filter(content_type__app_label="governance", codename="triage_concern").first()
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(groups__permissions=permission) | Q(user_permissions=permission)).distinct()


def _team_seeing(concern: Concern, team=None) -> list:
    """The triage team members who may see this concern (a notification names its subject: no one who may
    not see a confidential model is told about it)."""
    return [user for user in (team if team is not None else triage_team()) if can(user, "view", concern)]


def response_deadline(severity: str, *, today: date | None = None) -> date:
    """The default response deadline of a concern triaged today at this severity."""
    return (today or timezone.localdate()) + timedelta(days=RESPONSE_DAYS[severity])


def _url(concern: Concern) -> str:
    return reverse("governance:concern_detail", args=[concern.pk])


def _require_triage(actor) -> None:
    if not actor.has_perm(TRIAGE_PERM):
        raise NotAllowed("Only the concern triage team triages, resolves and dismisses concerns.")


def _locked(concern: Concern) -> Concern:
    return Concern.objects.select_for_update().get(pk=concern.pk)


def _require_open(concern: Concern) -> None:
    if concern.status not in (ConcernStatus.OPEN, ConcernStatus.TRIAGED):
        raise Conflict(f"This concern is {concern.get_status_display().lower()}.")


@transaction.atomic
def concern_raise(*, actor, kind: str, description: str, use_case=None, model=None, anonymous: bool = False):
    """Raise a concern about a use case or one of its models (exactly one subject, one the actor can see)."""
    if (use_case is None) == (model is None):
        raise ApplicationError(
            "subject: name a use case or a model.", details={"use_case": ["Name one."], "model": ["Name one."]}
        )
    subject = model or use_case
    require(actor, "view", subject)
    if kind not in ConcernKind.values:
        raise ApplicationError(f"kind: use one of {', '.join(ConcernKind.values)}.", details={"kind": ["Unknown."]})
    description = require_text(description, field="description", hint="describe what worries you and why.")
    concern = Concern.objects.create(
        use_case=model.use_case if model is not None else use_case,
        model=model,
        kind=kind,
        description=description,
        anonymous=bool(anonymous),
        reporter=actor,
        respond_by=timezone.localdate() + timedelta(days=TRIAGE_DAYS),
    )
    audit.record(
        actor=actor,
        action="concern.raised",
        target=concern,
        after={"kind": kind, "subject": str(subject), "anonymous": concern.anonymous},
    )
    notifications.notify(
        recipients=_team_seeing(concern),
        subject=f"New {concern.get_kind_display().lower()} concern about {subject}",
        body=description,
        url=_url(concern),
        category="concern",
        about=concern,
    )
    return concern


@transaction.atomic
def concern_triage(*, actor, concern: Concern, severity: str, assignee=None, respond_by: date | None = None, note=""):
    """Set (or revise) severity, assignee and response deadline; the deadline defaults by severity."""
    _require_triage(actor)
    concern = _locked(concern)
    require(actor, "view", concern)
    _require_open(concern)
    if severity not in ConcernSeverity.values:
        raise ApplicationError(
            f"severity: use one of {', '.join(ConcernSeverity.values)}.", details={"severity": ["Unknown."]}
        )
    if assignee is not None and not (assignee.is_active and assignee.has_perm(TRIAGE_PERM)):
        raise ApplicationError(
            "assignee: assign the concern to a member of the triage team.", details={"assignee": ["Not on the team."]}
        )
    today = timezone.localdate()
    if respond_by is not None and respond_by < today:
        raise ApplicationError(
            "respond_by: a deadline cannot be in the past.", details={"respond_by": ["In the past."]}
        )
    before = {"status": concern.status, "severity": concern.severity, "respond_by": concern.respond_by}
    concern.status, concern.severity = ConcernStatus.TRIAGED, severity
    concern.assignee = assignee
    concern.respond_by = respond_by or response_deadline(severity, today=today)
    concern.triaged_by, concern.triaged_at = actor, timezone.now()
    concern.save()
    audit.record(
        actor=actor,
        action="concern.triaged",
        target=concern,
        reason=note,
        before=before,
        after={
            "status": concern.status,
            "severity": severity,
            "assignee": assignee.username if assignee else None,
            "respond_by": concern.respond_by,
        },
    )
    if assignee is not None and assignee.pk != actor.pk:
        notifications.notify(
            recipients=[assignee],
            subject=f"{concern.get_severity_display()} concern about {concern.subject} is yours",
            body=f"Respond by {concern.respond_by:%Y-%m-%d}.",
            url=_url(concern),
            category="concern",
            about=concern,
        )
    return concern


def _close(*, actor, concern: Concern, status: str, text: str, field: str, hint: str, action: str) -> Concern:
    _require_triage(actor)
    concern = _locked(concern)
    require(actor, "view", concern)
    _require_open(concern)
    text = require_text(text, field=field, hint=hint)
    if status == ConcernStatus.RESOLVED and concern.status != ConcernStatus.TRIAGED:
        raise Conflict("Triage the concern (severity, assignee, deadline) before resolving it.")
    before = {"status": concern.status}
    concern.status, concern.outcome = status, text
    concern.closed_by, concern.closed_at = actor, timezone.now()
    concern.save()
    audit.record(actor=actor, action=action, target=concern, reason=text, before=before, after={"status": status})
    notifications.notify(
        recipients=[concern.reporter],
        subject=f"Your concern about {concern.subject} was {concern.get_status_display().lower()}",
        body=text,
        url=_url(concern),
        category="concern",
        about=concern,
    )
    return concern


@transaction.atomic
def concern_resolve(*, actor, concern: Concern, resolution: str) -> Concern:
    return _close(
        actor=actor,
        concern=concern,
        status=ConcernStatus.RESOLVED,
        text=resolution,
        field="resolution",
        hint="record what was done about the concern.",
        action="concern.resolved",
    )


@transaction.atomic
def concern_dismiss(*, actor, concern: Concern, reason: str) -> Concern:
    return _close(
        actor=actor,
        concern=concern,
        status=ConcernStatus.DISMISSED,
        text=reason,
        field="reason",
        hint="say why the concern does not call for action.",
        action="concern.dismissed",
    )


def concerns_escalate_overdue(*, today: date | None = None) -> int:
    """Escalate, once, every open concern past its deadline: the triage team and the assignee are told."""
    today = today or timezone.localdate()
    escalated = 0
    overdue = Concern.objects.still_open().filter(respond_by__lt=today, escalated_at__isnull=True)
    team = None
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            concern = (
                Concern.objects.select_for_update(of=("self",))
                .select_related("use_case", "model", "assignee")
                .filter(pk=pk, escalated_at__isnull=True, status__in=(ConcernStatus.OPEN, ConcernStatus.TRIAGED))
                .first()
            )
            if concern is None:
                continue
            concern.escalated_at = timezone.now()
            concern.save(update_fields=["escalated_at", "updated_at"])
            audit.record(
                actor=None,
                action="concern.escalated",
                target=concern,
                after={"respond_by": concern.respond_by, "status": concern.status},
            )
            team = team if team is not None else list(triage_team())
            recipients = {u.pk: u for u in _team_seeing(concern, team)}
            if concern.assignee_id:
                recipients[concern.assignee_id] = concern.assignee
            notifications.notify(
                recipients=list(recipients.values()),
                subject=f"Overdue concern about {concern.subject}: due {concern.respond_by:%Y-%m-%d}",
                body=f"{concern.get_status_display()} concern past its deadline; it is escalated.",
                url=_url(concern),
                category="concern",
                about=concern,
            )
            escalated += 1
    return escalated

"""Break-glass for a freeze window: whoever may move a version asks, with a reason, to release it to production
while production is frozen; a review board member who is not the requester approves or refuses it, signing with
their password (an account of the identity provider re-authenticates there instead). An approval is valid until
the window's end and is used by one move into production (lifecycle.services.freeze_exemption_use); each step is
audited and the people concerned are told."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import Conflict, NotAllowed, require_text
from core.permissions import can, require
from governance.services.reviews import signed_decision
from lifecycle import gates
from lifecycle.choices import FREEZE_EXEMPTION_COLORS, FreezeExemptionStatus, Stage
from lifecycle.models import EmergencyApproval, ModelVersion
from notifications import services as notifications

APPROVER_PERM = "lifecycle.approve_modelversion"  # the review board's
CLOSED_STAGES = (Stage.PRODUCTION, Stage.RETIRED, Stage.REJECTED)
OPEN_STATES = (FreezeExemptionStatus.REQUESTED, FreezeExemptionStatus.APPROVED)


def freeze_exemption_approvers():
    """Active review board members (the approval permission through a role or directly)."""
    permission = Permission.objects.filter(content_type__app_label="lifecycle", codename="approve_modelversion")
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(groups__permissions__in=permission) | Q(user_permissions__in=permission)).distinct()


def _url(exemption: EmergencyApproval) -> str:
    return reverse("governance:freeze_exemption_detail", args=[exemption.pk])


def _tell(recipients, exemption: EmergencyApproval, subject: str, body: str, *, excluded=()) -> None:
    skip = {u.pk for u in excluded}
    notifications.notify(
        recipients=[u for u in recipients if u.pk not in skip],
        subject=subject,
        body=body,
        url=_url(exemption),
        category="freeze",
        about=exemption,  # only those who may see the version's model are told
    )


def effective_status(exemption: EmergencyApproval, *, now=None) -> str:
    """The status, with a request or an unused approval past its window's end shown as expired."""
    now = now or timezone.now()
    ends = [t for t in (exemption.valid_until, exemption.window.end if exemption.window else None) if t is not None]
    if exemption.status in OPEN_STATES and (not ends or min(ends) <= now):
        return "expired"
    return exemption.status


@transaction.atomic
def freeze_exemption_request(*, actor, version: ModelVersion, reason: str) -> EmergencyApproval:
    """Ask for an exemption from the running production freeze for one version (whoever may move it)."""
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    require(actor, "change", version.model)
    reason = require_text(reason, field="reason", hint="say why this release cannot wait for the freeze to end.")
    now = timezone.now()
    frozen = gates.production_freezes(now=now)
    if not frozen:
        raise Conflict(
            "No freeze of production is running: the version needs no exemption.", details={"version": ["Not frozen."]}
        )
    if version.stage in CLOSED_STAGES:
        raise Conflict(
            f"{version} is {version.get_stage_display().lower()}: only a version on its way to production needs an "
            "exemption from the freeze.",
            details={"version": [version.stage]},
        )
    open_ = EmergencyApproval.objects.filter(
        version=version,
        status__in=(FreezeExemptionStatus.REQUESTED, FreezeExemptionStatus.APPROVED),
        valid_until__gt=now,
    ).first()
    if open_ is not None:
        raise Conflict(
            f"{version} already has an open freeze exemption (#{open_.pk}, {open_.get_status_display().lower()}).",
            details={"version": ["An exemption is open."]},
        )
    window = max(frozen, key=lambda w: w.end)  # the exemption lasts while production is frozen, no longer
    exemption = EmergencyApproval.objects.create(
        version=version, window=window, requested_by=actor, reason=reason, valid_until=window.end
    )
    audit.record(
        actor=actor,
        action="freeze_exemption.requested",
        target=exemption,
        reason=reason,
        after={"version": str(version), "window": window.name, "valid_until": window.end},
    )
    _tell(
        freeze_exemption_approvers(),
        exemption,
        f"Freeze exemption requested for {version}",
        f"{actor.get_username()} asks to release {version} to production during {window.name} (until "
        f"{window.end:%Y-%m-%d %H:%M} UTC): {reason}",
        excluded=[actor],
    )
    return exemption


def _decide(actor, exemption: EmergencyApproval) -> EmergencyApproval:
    exemption = (
        EmergencyApproval.objects.select_for_update(of=("self",))
        .select_related("version__model", "requested_by", "window")
        .get(pk=exemption.pk)
    )
    require(actor, "view", exemption.version.model)
    if not actor.has_perm(APPROVER_PERM):
        raise NotAllowed("Only review board members approve or refuse an exemption from a freeze.")
    if actor.pk == exemption.requested_by_id:
        raise NotAllowed("You requested this exemption: a second person must decide it.")
    status = effective_status(exemption)
    if status != FreezeExemptionStatus.REQUESTED:
        raise Conflict(
            f"Freeze exemption #{exemption.pk} is {status}: nothing more can be decided.", details={"status": [status]}
        )
    return exemption


def freeze_exemption_approve(
    *, actor, exemption: EmergencyApproval, comment: str = "", password: str = "", sso_proof=None
):
    """Approve, signed with the approver's password (or the provider's re-authentication, `sso_proof`); valid until
    the window ends, for one move into production."""
    return signed_decision(
        actor,
        exemption,
        password,
        "freeze_exemption.decision_refused",
        lambda: _close(actor, exemption, FreezeExemptionStatus.APPROVED, (comment or "").strip()),
        sso_proof=sso_proof,
        action=f"freeze_exemption.approve:{exemption.pk}",
    )


def freeze_exemption_refuse(*, actor, exemption: EmergencyApproval, reason: str, password: str = "", sso_proof=None):
    """Refuse with a reason, signed with the approver's password (or the provider's re-authentication)."""

    def refuse():
        text = require_text(reason, field="reason", hint="say why the release waits for the end of the freeze.")
        return _close(actor, exemption, FreezeExemptionStatus.REFUSED, text)

    return signed_decision(
        actor,
        exemption,
        password,
        "freeze_exemption.decision_refused",
        refuse,
        sso_proof=sso_proof,
        action=f"freeze_exemption.refuse:{exemption.pk}",
    )


@transaction.atomic
def _close(actor, exemption: EmergencyApproval, status: str, text: str) -> EmergencyApproval:
    exemption = _decide(actor, exemption)
    exemption.status, exemption.decided_at, exemption.decision_comment = status, timezone.now(), text
    if status == FreezeExemptionStatus.APPROVED:
        exemption.approved_by = actor
    exemption.save(update_fields=["status", "approved_by", "decided_at", "decision_comment"])
    audit.record(
        actor=actor,
        action=f"freeze_exemption.{status}",
        target=exemption,
        reason=text,
        before={"status": FreezeExemptionStatus.REQUESTED},
        after={"status": status, "valid_until": exemption.valid_until},
    )
    version = exemption.version
    verdict = (
        f"approved: {version} may go to production once before {exemption.valid_until:%Y-%m-%d %H:%M} UTC"
        if status == FreezeExemptionStatus.APPROVED
        else "refused: the release waits for the end of the freeze"
    )
    _tell(
        [exemption.requested_by, *freeze_exemption_approvers()],
        exemption,
        f"Freeze exemption for {version} {status}",
        f"{actor.get_username()} {verdict}. {text}".strip(),
        excluded=[actor],
    )
    return exemption


def freeze_exemptions_recent(*, user, limit: int = 20) -> list[EmergencyApproval]:
    """The latest exemptions the user may see, newest first, each with `shown_status` (expired included)."""
    now = timezone.now()
    rows = list(
        EmergencyApproval.objects.restrict(user, "view")
        .select_related("version__model", "requested_by", "approved_by", "window")
        .order_by("-at", "-pk")[:limit]
    )
    for row in rows:
        row.shown_status = effective_status(row, now=now)
        row.shown_color = FREEZE_EXEMPTION_COLORS.get(row.shown_status, "grey")
    return rows


def may_request(user, version) -> bool:
    return can(user, "change", version.model)

"""What an alert does to the model it watches, when its rule says "propose a rollback" or "suspend the model".

A rollback is always a person's decision: the alert proposes it, one of those who may change the model confirms
(lifecycle's rollback runs as them) or dismisses it with a reason. A suspension waits for a person too, unless
the rule says `automatic_suspend`: then Lodestar suspends the production version itself (a circuit breaker),
after the sync that stored the points has committed, as its service account (core.accounts), and the serving
platform hears it through the `model.suspended` webhook. One decision per proposal; a proposal whose production
version changed since is refused rather than applied to another version."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.accounts import system_user
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import can
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.choices import ProposalKind, ProposalStatus, RuleAction
from monitoring.models import ActionProposal, Alert
from notifications.services import notify

KIND_OF_ACTION = {RuleAction.PROPOSE_ROLLBACK: ProposalKind.ROLLBACK, RuleAction.SUSPEND: ProposalKind.SUSPEND}


def _alert_url(proposal: ActionProposal) -> str:
    return reverse("monitoring:alert_detail", args=[proposal.alert_id])


def _tell_owners(proposal: ActionProposal, subject: str, body: str) -> None:
    notify(
        recipients=proposal.model.owners.all(),
        subject=subject,
        body=body,
        url=_alert_url(proposal),
        category="alert",
        about=proposal,
    )


def _reason(proposal: ActionProposal, note: str = "") -> str:
    alert = proposal.alert
    text = f"Alert #{alert.pk} ({alert.rule.name}): {alert.message}"
    return f"{text} {note.strip()}".strip()


# --- Proposing (inside the sync's transaction, when the alert opens) ----------------------------------------


def action_proposal_for_alert(*, alert: Alert) -> ActionProposal | None:
    """Record what the alert's rule proposes, or why it is not possible; an automatic suspension is sent to a
    worker once the surrounding transaction commits (so its failure never undoes the stored points)."""
    rule = alert.rule
    kind = KIND_OF_ACTION.get(rule.action)
    if kind is None:
        return None
    existing = ActionProposal.objects.filter(alert=alert).first()
    if existing is not None:
        return existing
    version = alert.model_version
    proposal = ActionProposal(alert=alert, kind=kind, model=version.model, version=version)
    problem = ""
    if version.stage != Stage.PRODUCTION:
        problem = (
            f"{version} is {version.get_stage_display().lower()}, not in production: "
            f"only a production version is {'rolled back' if kind == ProposalKind.ROLLBACK else 'suspended'}."
        )
    elif kind == ProposalKind.ROLLBACK:
        proposal.restore_version = lifecycle.rollback_target(version)
        if proposal.restore_version is None:
            problem = (
                f"{version.model} has no earlier production version to restore: suspend v{version.version} or "
                "release a fixed version instead."
            )
    if problem:
        proposal.status, proposal.result = ProposalStatus.NOT_POSSIBLE, problem
    else:
        proposal.automatic = kind == ProposalKind.SUSPEND and rule.automatic_suspend
    proposal.save()
    audit.record(
        actor=None,
        action="action_proposal.proposed" if not problem else "action_proposal.not_possible",
        target=proposal,
        after={
            "alert": alert.pk,
            "kind": kind,
            "version": str(version),
            "restore_version": str(proposal.restore_version or ""),
            "automatic": proposal.automatic,
            "status": proposal.status,
        },
        reason=problem,
    )
    if proposal.automatic:
        from monitoring import tasks

        transaction.on_commit(lambda: tasks.action_proposal_execute.delay(proposal.pk), robust=True)
    return proposal


def proposal_notice(proposal: ActionProposal | None) -> str:
    """The line the alert's notification adds about its proposal."""
    if proposal is None:
        return ""
    if proposal.status == ProposalStatus.NOT_POSSIBLE:
        return f"No {proposal.get_kind_display().lower()} is proposed: {proposal.result}"
    if proposal.automatic:
        return f"The rule suspends automatically: {proposal.version} is being suspended."
    return f"Proposed: {proposal.summary}. Confirm or dismiss it on the alert page."


# --- Deciding -----------------------------------------------------------------------------------------------


def _locked(proposal: ActionProposal, actor) -> ActionProposal:
    proposal = (
        ActionProposal.objects.select_for_update(of=("self",))
        .select_related("model", "version", "restore_version", "alert__rule")
        .get(pk=proposal.pk)
    )
    if not can(actor, "view", proposal.model):
        raise NotAllowed(f"You may not see model “{proposal.model}”.")
    if not can(actor, "change", proposal.model):
        raise NotAllowed(
            f"You may not change {proposal.model}: a data scientist of its business unit decides on this proposal."
        )
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict(
            f"The proposal is {proposal.get_status_display().lower()} already"
            + (f" (by {proposal.decided_by.get_username()})" if proposal.decided_by_id else "")
            + ": a proposal is decided once."
        )
    return proposal


def _stale(proposal: ActionProposal) -> str:
    """Why the proposal no longer fits the model ("" when it does): its production version changed since."""
    current = (
        ModelVersion.objects.filter(model_id=proposal.model_id, stage=Stage.PRODUCTION)
        .exclude(pk=proposal.version_id)
        .first()
    )
    version = ModelVersion.objects.get(pk=proposal.version_id)
    if version.stage == Stage.PRODUCTION:
        return ""
    now = f"v{current.version} is in production now" if current else "no version is in production now"
    return (
        f"The production version changed since the proposal: v{version.version} is "
        f"{version.get_stage_display().lower()} and {now}. Nothing was done; dismiss this proposal and look at "
        "the current version's own alerts."
    )


def _carry_out(proposal: ActionProposal, actor, note: str = "") -> str:
    """Run lifecycle's own service as `actor`; returns what was done. Raises (and changes nothing) if refused."""
    reason = _reason(proposal, note)
    if proposal.kind == ProposalKind.ROLLBACK:
        current = ModelVersion.objects.get(pk=proposal.version_id)
        if lifecycle.rollback_target(current) != proposal.restore_version:
            raise Conflict(
                f"The version a rollback would restore changed since the proposal (v"
                f"{proposal.restore_version.version} then). Nothing was done; dismiss this proposal."
            )
        restored = lifecycle.model_rollback(actor=actor, model=proposal.model, reason=reason)
        return f"v{proposal.version.version} suspended, v{restored.version} restored in production."
    lifecycle.model_version_transition(actor=actor, version=proposal.version, to_stage=Stage.SUSPENDED, reason=reason)
    return f"{proposal.version} suspended; the serving platform is told."


def _decided(proposal: ActionProposal, actor, status: str, note: str, result: str) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor, timezone.now()
    proposal.decision_note, proposal.result = note, result
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "result", "updated_at"])


@transaction.atomic
def action_proposal_confirm(*, actor, proposal: ActionProposal, note: str = "") -> ActionProposal:
    """A person confirms: lifecycle's rollback (or the suspension) runs as them, with their permissions."""
    proposal = _locked(proposal, actor)
    stale = _stale(proposal)
    if stale:
        raise Conflict(stale, details={"proposal": ["Stale."]})
    note = (note or "").strip()
    result = _carry_out(proposal, actor, note)
    _decided(proposal, actor, ProposalStatus.CONFIRMED, note, result)
    audit.record(
        actor=actor,
        action="action_proposal.confirmed",
        target=proposal,
        before={"status": ProposalStatus.PROPOSED},
        after={"status": proposal.status, "result": result},
        reason=note,
    )
    return proposal


@transaction.atomic
def action_proposal_dismiss(*, actor, proposal: ActionProposal, note: str) -> ActionProposal:
    """A person decides not to act, and says why; the model stays as it is."""
    proposal = _locked(proposal, actor)
    note = require_text(note, field="note", hint="say why the model is left as it is.")
    _decided(proposal, actor, ProposalStatus.DISMISSED, note, "Nothing done: dismissed.")
    audit.record(
        actor=actor,
        action="action_proposal.dismissed",
        target=proposal,
        before={"status": ProposalStatus.PROPOSED},
        after={"status": proposal.status},
        reason=note,
    )
    return proposal


# --- Carrying out an automatic suspension (a worker, after the sync committed) ------------------------------


def action_proposal_execute(*, proposal_id: int) -> ActionProposal | None:
    """Suspend the version as the rule says, as Lodestar's service account. Run twice, it does nothing more;
    a refusal (the version left production, a deactivated service account) marks the proposal failed and tells
    the owners, who then decide themselves."""
    actor = system_user()
    with transaction.atomic():
        proposal = (
            ActionProposal.objects.select_for_update(of=("self",))
            .select_related("model", "version", "alert__rule")
            .filter(pk=proposal_id)
            .first()
        )
        if proposal is None or proposal.status != ProposalStatus.PROPOSED or not proposal.automatic:
            return proposal  # decided already (by a person, or an earlier run)
        problem = _stale(proposal)
        result = ""
        if not problem:
            try:
                with transaction.atomic():
                    result = _carry_out(proposal, actor, "(automatic suspension, as the rule says)")
            except ApplicationError as exc:
                problem = exc.message
        if problem:
            _decided(proposal, actor, ProposalStatus.FAILED, "", f"The automatic suspension failed: {problem}")
        else:
            _decided(proposal, actor, ProposalStatus.CONFIRMED, "Automatic, as the rule says.", result)
        audit.record(
            actor=actor,
            action="action_proposal.executed" if not problem else "action_proposal.failed",
            target=proposal,
            before={"status": ProposalStatus.PROPOSED},
            after={"status": proposal.status, "result": proposal.result},
            reason=_reason(proposal),
        )
        if problem:
            _tell_owners(
                proposal,
                f"Automatic suspension failed: {proposal.version}",
                f"{proposal.result}\nThe version was not suspended; decide on the alert page what to do.",
            )
        else:
            _tell_owners(
                proposal,
                f"Suspended automatically: {proposal.version}",
                f"{_reason(proposal)}\n{result}",
            )
    return proposal

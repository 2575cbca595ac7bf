"""Emergency releases: a version goes to production without the full review only when an owner asks with a
reason and two independent holders of the emergency function approve. The release is valid for a short window
and for the content approved; reaching production raises an alert and opens a post-implementation review due
five business days later, which an independent validator completes (overdue ones escalate once)."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.periods import add_business_days
from core.permissions import can, require
from governance.choices import (
    OPEN_EMERGENCY_STATES,
    EmergencyStatus,
    PirOutcome,
    PirStatus,
    ReviewStatus,
)
from governance.digest import content_digest
from governance.models import EmergencyRelease, PostImplementationReview, Review, function_permission
from governance.services.policies import current_policy
from governance.services.reviews import holders_of, review_open, signed_decision
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import Incident, ModelVersion, StageTransition
from notifications import services as notifications

EMERGENCY_PERM = "governance.approve_emergency_release"
APPROVALS_NEEDED = 2
VALID_FOR = timedelta(hours=24)  # an approved release must be used within a day, on the content approved
REQUEST_LAPSES_AFTER = timedelta(days=3)  # a request nobody approved in three days lapses
PIR_BUSINESS_DAYS = 5
# Stages from which production is one move away (lifecycle.choices: the emergency edges, approved, staging), and
# those of an earlier production version a rollback cannot restore through the gates (e.g. its approval expired).
ON_THE_WAY_STAGES = (Stage.IN_VALIDATION, Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.STAGING)
RESTORABLE_STAGES = (Stage.DEPRECATED, Stage.SUSPENDED)
REQUESTABLE_STAGES = ON_THE_WAY_STAGES + RESTORABLE_STAGES


def label(release: EmergencyRelease) -> str:
    return f"emergency release #{release.pk}"


def emergency_holders():
    """Active users who hold the emergency function, through a role or directly."""
    permission = Permission.objects.filter(
        content_type__app_label="governance", codename="approve_emergency_release"
    ).first()
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(groups__permissions=permission) | Q(user_permissions=permission)).distinct()


def _seeing(users, model, *, excluded=()) -> list:
    """Of these users, those who may see the model (a notification names it) and are not excluded."""
    skip = {u.pk for u in excluded if u is not None}
    return [u for u in {u.pk: u for u in users}.values() if u.pk not in skip and can(u, "view", model)]


def _url(release: EmergencyRelease) -> str:
    return reverse("governance:emergency_release_detail", args=[release.pk])


def _pir_url(pir: PostImplementationReview) -> str:
    return reverse("governance:pir_detail", args=[pir.pk])


def _owners(version) -> list:
    return list(version.model.owners.all())


def lapsed(release: EmergencyRelease, *, now=None) -> bool:
    """An open release past its window: approved more than VALID_FOR ago, or requested and never approved."""
    now = now or timezone.now()
    if release.status == EmergencyStatus.APPROVED:
        return release.valid_until is not None and release.valid_until <= now
    if release.status == EmergencyStatus.REQUESTED:
        return release.created_at + REQUEST_LAPSES_AFTER <= now
    return False


def problem(release: EmergencyRelease, version, *, now=None) -> str | None:
    """Why an open release does not (or no longer) let its version skip the review; None when it does."""
    if release.status == EmergencyStatus.REQUESTED:
        if lapsed(release, now=now):
            return f"Emergency release #{release.pk} lapsed unapproved: request a new one."
        count = 1 if release.first_approver_id else 0
        return (
            f"Emergency release #{release.pk} has {count} of {APPROVALS_NEEDED} approvals: "
            f"{APPROVALS_NEEDED - count} more independent holder(s) of the emergency function must approve it."
        )
    if release.status != EmergencyStatus.APPROVED:
        return f"Emergency release #{release.pk} is {release.get_status_display().lower()}."
    if lapsed(release, now=now):
        return (
            f"Emergency release #{release.pk} expired at {release.valid_until:%Y-%m-%d %H:%M} UTC: "
            "request a new one, or complete the normal review."
        )
    if content_digest(version) != release.digest:
        return (
            f"Emergency release #{release.pk} was approved for other content: {version} changed after it was "
            "requested, so the approval does not cover it. Request a new emergency release."
        )
    return None


def open_release(version) -> EmergencyRelease | None:
    return EmergencyRelease.objects.filter(version=version, status__in=OPEN_EMERGENCY_STATES).order_by("-pk").first()


def _locked(release: EmergencyRelease) -> EmergencyRelease:
    return (
        EmergencyRelease.objects.select_for_update(of=("self",))
        .select_related("version__model__use_case", "requested_by", "first_approver", "second_approver")
        .get(pk=release.pk)
    )


def _require_open(release: EmergencyRelease) -> None:
    if release.status not in OPEN_EMERGENCY_STATES:
        raise Conflict(
            f"Emergency release #{release.pk} is {release.get_status_display().lower()}; nothing more can be "
            "done with it.",
            details={"status": [release.status]},
        )


def _expire(release: EmergencyRelease, *, now) -> None:
    before = release.status
    release.status, release.closed_at = EmergencyStatus.EXPIRED, now
    release.closing_reason = "Approved but not used within its window." if before == "approved" else "Never approved."
    release.save(update_fields=["status", "closed_at", "closing_reason", "updated_at"])
    audit.record(
        actor=None,
        action="emergency_release.expired",
        target=release,
        reason=release.closing_reason,
        before={"status": before},
        after={"status": release.status},
    )


# --- Request, approve, refuse, cancel -----------------------------------------------------------------------


@transaction.atomic
def emergency_release_request(*, actor, version: ModelVersion, reason: str) -> EmergencyRelease:
    """An owner asks to take a version to production without the full review; the emergency function hears."""
    version = ModelVersion.objects.select_for_update().select_related("model__use_case").get(pk=version.pk)
    require(actor, "change", version.model)
    if not version.model.owners.filter(pk=actor.pk).exists():
        raise NotAllowed(f"Only an owner of {version.model.name} may request an emergency release of its versions.")
    reason = require_text(reason, field="reason", hint="say what breaks if this version waits for the full review.")
    if version.stage not in REQUESTABLE_STAGES:
        hint = " Move it into validation first." if version.stage == Stage.REGISTERED else ""
        raise Conflict(
            f"{version} is {version.get_stage_display().lower()}: only a version on its way to production (in "
            "validation, pending approval, approved or in staging) or one that was in production before "
            f"(deprecated or suspended) can be released in an emergency.{hint}",
            details={"version": [version.stage]},
        )
    now = timezone.now()
    for stale in EmergencyRelease.objects.select_for_update(of=("self",)).filter(
        version=version, status__in=OPEN_EMERGENCY_STATES
    ):
        if not lapsed(stale, now=now):
            raise Conflict(
                f"{version} already has an open emergency release (#{stale.pk}, {stale.get_status_display().lower()}).",
                details={"version": ["An emergency release is open."]},
            )
        _expire(stale, now=now)
    policy = current_policy(version.model.use_case.risk_tier)
    release = EmergencyRelease.objects.create(
        version=version,
        requested_by=actor,
        reason=reason,
        digest=content_digest(version),
        artefact_digest=version.digest,
        policy_snapshot={
            "review_policy": policy.snapshot() if policy else None,
            "approvals_needed": APPROVALS_NEEDED,
            "valid_for_hours": int(VALID_FOR.total_seconds() // 3600),
            "post_implementation_review_business_days": PIR_BUSINESS_DAYS,
        },
    )
    audit.record(
        actor=actor,
        action="emergency_release.requested",
        target=release,
        reason=reason,
        after={"version": str(version), "stage": version.stage, "digest": release.digest},
    )
    notifications.notify(
        recipients=_seeing(emergency_holders(), version.model, excluded=[actor, *_owners(version)]),
        subject=f"Emergency release requested for {version}: two approvals needed",
        body=f"{actor.get_username()} asks to release {version} to production without the full review: {reason}",
        url=_url(release),
        category="emergency",
        about=release,
    )
    return release


def _require_approver(actor, release: EmergencyRelease) -> None:
    version = release.version
    require(actor, "view", version.model)
    if not actor.has_perm(EMERGENCY_PERM):
        raise NotAllowed("Only holders of the emergency function approve or refuse emergency releases.")
    if actor.pk == release.requested_by_id:
        raise NotAllowed("You requested this emergency release: two other people must approve it.")
    if version.model.owners.filter(pk=actor.pk).exists():
        raise NotAllowed(f"You own {version.model.name}: emergency approvers must be independent of its owners.")


def emergency_release_approve(
    *, actor, release: EmergencyRelease, comment: str = "", password: str = "", sso_proof=None
) -> EmergencyRelease:
    """One of the two approvals, signed with the approver's password (or, for an account of the identity provider,
    its fresh re-authentication there: `sso_proof`); the second makes the release usable for VALID_FOR on the
    content approved."""
    return signed_decision(
        actor,
        release,
        password,
        "emergency_release.approval_refused",
        lambda: _approve(actor=actor, release=release, comment=comment),
        sso_proof=sso_proof,
        action=f"emergency_release.approve:{release.pk}",
    )


@transaction.atomic
def _approve(*, actor, release: EmergencyRelease, comment: str) -> EmergencyRelease:
    release = _locked(release)
    _require_approver(actor, release)
    if release.first_approver_id == actor.pk:
        raise Conflict(
            "You already approved this emergency release: a second, different holder of the emergency function "
            "must approve it.",
            details={"approver": ["Already approved by you."]},
        )
    _require_open(release)
    if release.status == EmergencyStatus.APPROVED:
        raise Conflict(
            f"Emergency release #{release.pk} already has both approvals "
            f"({', '.join(u.get_username() for u in release.approvers)}).",
            details={"status": [release.status]},
        )
    version = release.version
    now = timezone.now()
    if lapsed(release, now=now):
        raise Conflict(f"Emergency release #{release.pk} lapsed unapproved: the owner must request a new one.")
    if content_digest(version) != release.digest:
        raise Conflict(
            f"{version} changed since the emergency release was requested: it cannot be approved for content "
            "nobody asked for. The owner must cancel it and request a new one.",
            details={"digest": ["Changed since the request."]},
        )
    comment = (comment or "").strip()
    if release.first_approver_id is None:
        release.first_approver, release.first_approved_at = actor, now
        release.save(update_fields=["first_approver", "first_approved_at", "updated_at"])
        audit.record(
            actor=actor,
            action="emergency_release.approved_once",
            target=release,
            reason=comment,
            after={"approvals": 1, "digest": release.digest},
        )
        notifications.notify(
            recipients=_seeing(
                emergency_holders(), version.model, excluded=[actor, release.requested_by, *_owners(version)]
            ),
            subject=f"Emergency release of {version}: one approval, a second is needed",
            body=f"{actor.get_username()} approved. Reason given: {release.reason}",
            url=_url(release),
            category="emergency",
            about=release,
        )
        return release
    release.second_approver, release.approved_at = actor, now
    release.status, release.valid_until = EmergencyStatus.APPROVED, now + VALID_FOR
    release.save(update_fields=["second_approver", "approved_at", "status", "valid_until", "updated_at"])
    audit.record(
        actor=actor,
        action="emergency_release.approved",
        target=release,
        reason=comment,
        before={"status": EmergencyStatus.REQUESTED},
        after={
            "status": EmergencyStatus.APPROVED,
            "approvers": [u.get_username() for u in release.approvers],
            "valid_until": release.valid_until,
            "digest": release.digest,
        },
    )
    notifications.notify(
        recipients=[release.requested_by, *_owners(version)],
        subject=f"Emergency release of {version} approved: use it by {release.valid_until:%Y-%m-%d %H:%M} UTC",
        body="Two holders of the emergency function approved. Production still needs a recorded deployment, and "
        "a post-implementation review opens when the version goes live.",
        url=_url(release),
        category="emergency",
        about=release,
    )
    return release


def emergency_release_refuse(
    *, actor, release: EmergencyRelease, reason: str, password: str = "", sso_proof=None
) -> EmergencyRelease:
    """A holder of the emergency function refuses with a reason, signed with their password (or the provider's
    re-authentication, `sso_proof`); the request closes."""
    return signed_decision(
        actor,
        release,
        password,
        "emergency_release.refusal_refused",
        lambda: _refuse(actor=actor, release=release, reason=reason),
        sso_proof=sso_proof,
        action=f"emergency_release.refuse:{release.pk}",
    )


@transaction.atomic
def _refuse(*, actor, release: EmergencyRelease, reason: str) -> EmergencyRelease:
    release = _locked(release)
    _require_approver(actor, release)
    _require_open(release)
    reason = require_text(reason, field="reason", hint="say why this cannot skip the full review.")
    return _close(actor, release, EmergencyStatus.REFUSED, reason, "emergency_release.refused")


@transaction.atomic
def emergency_release_cancel(*, actor, release: EmergencyRelease, reason: str = "") -> EmergencyRelease:
    """The requester or an owner withdraws an open request, saying why (e.g. the full review finished in time)."""
    release = _locked(release)
    version = release.version
    require(actor, "view", version.model)
    if actor.pk != release.requested_by_id and not version.model.owners.filter(pk=actor.pk).exists():
        raise NotAllowed("Only the requester or an owner of the model may cancel an emergency release.")
    _require_open(release)
    reason = require_text(reason, field="reason", hint="say why the emergency release is no longer needed.")
    return _close(actor, release, EmergencyStatus.CANCELLED, reason, "emergency_release.cancelled")


def _close(actor, release: EmergencyRelease, status: str, reason: str, action: str) -> EmergencyRelease:
    before = release.status
    release.status, release.closed_by, release.closed_at, release.closing_reason = status, actor, timezone.now(), reason
    release.save(update_fields=["status", "closed_by", "closed_at", "closing_reason", "updated_at"])
    audit.record(
        actor=actor, action=action, target=release, reason=reason, before={"status": before}, after={"status": status}
    )
    notifications.notify(
        recipients=[release.requested_by, *_owners(release.version)],
        subject=f"Emergency release of {release.version} {release.get_status_display().lower()}",
        body=reason,
        url=_url(release),
        category="emergency",
        about=release,
    )
    return release


# --- Release to production -----------------------------------------------------------------------------------


def emergency_release_deploy(
    *, actor, release: EmergencyRelease, reason: str = "", password: str = "", sso_proof=None
) -> EmergencyRelease:
    """Take the version to production under its approved release, signed with the mover's password or the
    provider's re-authentication (it waives review gates). The stage machine runs every gate; only the review gates
    are waived, while the release is valid."""
    return signed_decision(
        actor,
        release,
        password,
        "emergency_release.deploy_refused",
        lambda: _deploy(actor=actor, release=release, reason=reason),
        sso_proof=sso_proof,
        action=f"emergency_release.deploy:{release.pk}",
    )


def _deploy(*, actor, release: EmergencyRelease, reason: str) -> EmergencyRelease:
    if release.status not in OPEN_EMERGENCY_STATES:
        raise Conflict(
            f"Emergency release #{release.pk} is {release.get_status_display().lower()}: nothing to deploy.",
            details={"status": [release.status]},
        )
    lifecycle.model_version_transition(
        actor=actor,
        version=release.version,
        to_stage=Stage.PRODUCTION,
        reason=(reason or "").strip() or f"Emergency release #{release.pk}: {release.reason}",
    )
    release.refresh_from_db()
    return release


def emergency_release_on_production(*, version, actor, from_stage: str = "", reason: str = "") -> None:
    """Listener of lifecycle's entry into production: when the move was let through by an emergency release,
    mark it released, raise the alert, record the incident and open the post-implementation review."""
    release = (
        EmergencyRelease.objects.select_for_update(of=("self",))
        .filter(version=version, status=EmergencyStatus.APPROVED)
        .select_related("requested_by", "first_approver", "second_approver")
        .first()
    )
    if release is None:
        return
    transition = StageTransition.objects.filter(version=version, to_stage=Stage.PRODUCTION).order_by("-at", "-pk")
    transition = transition.first()
    marker = f"Waived by {label(release)}:"
    waived = [r["gate"] for r in (transition.gate_results if transition else []) if r["detail"].startswith(marker)]
    if not waived:
        return  # the version passed the normal gates: the release was not needed for this move
    now = timezone.now()
    release.status, release.released_at = EmergencyStatus.RELEASED, now
    release.save(update_fields=["status", "released_at", "updated_at"])
    pir = PostImplementationReview.objects.create(
        release=release, due_on=add_business_days(timezone.localdate(), PIR_BUSINESS_DAYS)
    )
    model = version.model
    audit.record(
        actor=actor,
        action="emergency_release.released",
        target=release,
        reason=release.reason,
        before={"status": EmergencyStatus.APPROVED, "stage": from_stage},
        after={
            "status": EmergencyStatus.RELEASED,
            "stage": Stage.PRODUCTION,
            "waived_gates": waived,
            "approvers": [u.get_username() for u in release.approvers],
            "post_implementation_review_due": pir.due_on,
        },
    )
    Incident.objects.create(
        model=model,
        kind="emergency_release",
        opened_by=actor,
        description=(
            f"v{version.version} released to production without full approval under emergency release "
            f"#{release.pk} (approved by {', '.join(u.get_username() for u in release.approvers)}; waived: "
            f"{', '.join(waived)}). Reason: {release.reason} Post-implementation review due {pir.due_on:%Y-%m-%d}."
        ),
    )
    alerted = [
        *_owners(version),
        *emergency_holders(),
        *holders_of("risk"),
        *holders_of("compliance"),
    ]
    notifications.notify(
        recipients=_seeing(alerted, model),
        subject=f"Emergency release: {version} went to production without full approval",
        body=(
            f"Emergency release #{release.pk}, requested by {release.requested_by.get_username()} and approved by "
            f"{' and '.join(u.get_username() for u in release.approvers)}. Waived: {', '.join(waived)}. Reason: "
            f"{release.reason} A post-implementation review is due {pir.due_on:%Y-%m-%d}."
        ),
        url=_url(release),
        category="emergency",
        about=release,
    )
    audit.record(actor=actor, action="post_implementation_review.opened", target=pir, after={"due_on": pir.due_on})
    notifications.notify(
        recipients=_seeing(holders_of("validation"), model, excluded=[release.requested_by, *_owners(version)]),
        subject=f"Post-implementation review of {version} due {pir.due_on:%Y-%m-%d}",
        body=f"{version} went to production under emergency release #{release.pk}; the review board reviews it.",
        url=_pir_url(pir),
        category="emergency",
        about=pir,
    )


# --- Post-implementation reviews ------------------------------------------------------------------------------


@transaction.atomic
def post_implementation_review_complete(
    *, actor, pir: PostImplementationReview, outcome: str, findings: str, open_full_review: bool = False
) -> PostImplementationReview:
    """An independent validator records the outcome and findings; optionally a full review of the version opens
    (or the open one is linked)."""
    pir = (
        PostImplementationReview.objects.select_for_update(of=("self",))
        .select_related("release__version__model__use_case", "release__requested_by")
        .get(pk=pir.pk)
    )
    release, version = pir.release, pir.release.version
    require(actor, "view", version.model)
    if not actor.has_perm(function_permission("validation")):
        raise NotAllowed("Only holders of the validation function complete post-implementation reviews.")
    if actor.pk == release.requested_by_id or version.model.owners.filter(pk=actor.pk).exists():
        raise NotAllowed(
            f"You requested this emergency release or own {version.model.name}: an independent validator must "
            "complete its review."
        )
    if pir.status != PirStatus.OPEN:
        raise Conflict(f"This post-implementation review was completed on {pir.completed_at:%Y-%m-%d}.")
    if outcome not in PirOutcome.values:
        raise ApplicationError(
            f"outcome: choose one of {', '.join(PirOutcome.values)}.", details={"outcome": ["Unknown outcome."]}
        )
    findings = require_text(findings, field="findings", hint="record what the review found and what follows.")
    if outcome == PirOutcome.ROLLED_BACK and version.stage == Stage.PRODUCTION:
        raise Conflict(
            f"{version} is still in production: roll it back first, or choose another outcome.",
            details={"outcome": ["Still in production."]},
        )
    if open_full_review:
        review = Review.objects.filter(version=version, status=ReviewStatus.OPEN).first()
        pir.follow_up_review = review or review_open(
            version=version, actor=actor, reason=f"Full review after emergency release #{release.pk}."
        )
    pir.status, pir.outcome, pir.findings = PirStatus.COMPLETED, outcome, findings
    pir.completed_by, pir.completed_at = actor, timezone.now()
    pir.save()
    audit.record(
        actor=actor,
        action="post_implementation_review.completed",
        target=pir,
        reason=findings,
        before={"status": PirStatus.OPEN},
        after={
            "status": PirStatus.COMPLETED,
            "outcome": outcome,
            "follow_up_review": pir.follow_up_review_id,
        },
    )
    notifications.notify(
        recipients=[release.requested_by, *_owners(version), *release.approvers],
        subject=f"Post-implementation review of {version}: {pir.get_outcome_display().lower()}",
        body=findings,
        url=_pir_url(pir),
        category="emergency",
        about=pir,
    )
    return pir


def post_implementation_reviews_escalate_overdue(*, today: date | None = None) -> int:
    """Escalate, once, every open post-implementation review past its due date: the validators, the emergency
    function and the model's owners are told. Lapsed emergency releases expire on the same run."""
    today = today or timezone.localdate()
    now = timezone.now()
    for pk in EmergencyRelease.objects.filter(status__in=OPEN_EMERGENCY_STATES).values_list("pk", flat=True):
        with transaction.atomic():
            release = EmergencyRelease.objects.select_for_update(of=("self",)).get(pk=pk)
            if release.status in OPEN_EMERGENCY_STATES and lapsed(release, now=now):
                _expire(release, now=now)
    escalated = 0
    overdue = PostImplementationReview.objects.filter(
        status=PirStatus.OPEN, due_on__lt=today, escalated_at__isnull=True
    )
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            pir = (
                PostImplementationReview.objects.select_for_update(of=("self",))
                .select_related("release__version__model", "release__requested_by")
                .filter(pk=pk, status=PirStatus.OPEN, escalated_at__isnull=True)
                .first()
            )
            if pir is None:
                continue
            pir.escalated_at = timezone.now()
            pir.save(update_fields=["escalated_at", "updated_at"])
            version = pir.release.version
            audit.record(
                actor=None,
                action="post_implementation_review.escalated",
                target=pir,
                after={"due_on": pir.due_on, "status": pir.status},
            )
            notifications.notify(
                recipients=_seeing([*holders_of("validation"), *emergency_holders(), *_owners(version)], version.model),
                subject=f"Overdue post-implementation review of {version}: due {pir.due_on:%Y-%m-%d}",
                body=f"{version} went to production under emergency release #{pir.release_id} and its "
                "post-implementation review is not complete; it is escalated.",
                url=_pir_url(pir),
                category="emergency",
                about=pir,
            )
            escalated += 1
    return escalated

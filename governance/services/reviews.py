"""Reviews of versions and their sign-offs: opened on submission, signed with a password, gated."""

import hashlib

from django.contrib.auth import authenticate
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from audit.models import AuditEvent
from core.accounts import password_set_by
from core.exceptions import ApplicationError, Conflict, NotAllowed, PreconditionFailed
from core.lockout import SIGN_REAUTH_FAILED, failure_recorded, lock_state
from core.permissions import can, holders_of_perm, require
from governance.choices import Course, Decision, ReviewStatus
from governance.digest import content_digest
from governance.models import (
    FUNCTION_CODES,
    FUNCTION_NAMES,
    BiasAssessment,
    ModelCard,
    Review,
    SignOff,
    TestEvidence,
    TrainingRecord,
    function_permission,
)
from governance.services.policies import current_policy
from identity import services as identity
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from notifications import services as notifications

VALIDATION = "validation"  # the function that must be independent of the developing units
MEANINGS = {
    Decision.APPROVE: "I approve this model version for production use as {function}, for the content identified "
    "by digest {digest}, under review policy {policy}.",
    Decision.REJECT: "I reject this model version as {function}: it must not reach production. Content digest "
    "{digest}, review policy {policy}.",
    Decision.REQUEST_CHANGES: "I ask for changes to this model version as {function} before it can be approved. "
    "Content digest {digest}, review policy {policy}.",
}


def signature_meaning(*, review: Review, function: str, decision: str, digest: str) -> str:
    """The sentence a signer reads before signing, and that the sign-off keeps."""
    policy = f"{review.policy_snapshot['tier']} v{review.policy_snapshot['version']}"
    return MEANINGS[decision].format(function=FUNCTION_NAMES.get(function, function), digest=digest, policy=policy)


def holders_of(function: str):
    """Active users who hold a sign-off function, through a role or directly."""
    return holders_of_perm(function_permission(function))


def _stakeholders(version) -> list:
    return [version.submitted_by, *version.model.owners.all()]


# What puts content or metadata on a version, as the audit trail records it (on the version): whoever did it
# contributed, even if someone edited after them.
CONTRIBUTING_ACTIONS = (
    "model_version.registered",
    "model_version.dataset_linked",
    "model_card.created",
    "model_card.changed",
)


def contributor_ids(version) -> set[int]:
    """Who may not sign the version: its submitter, the model's owners, and whoever put content or metadata on
    it: whoever registered it, linked its datasets or ever edited its model card (from the audit trail), bias
    assessment uploaders, test evidence submitters."""
    ids = {version.submitted_by_id, *version.model.owners.values_list("pk", flat=True)}
    edits = AuditEvent.objects.filter(
        target_type="lifecycle.modelversion", target_id=str(version.pk), action__in=CONTRIBUTING_ACTIONS
    )
    ids |= set(edits.values_list("actor_id", flat=True))
    ids |= set(ModelCard.objects.filter(version=version).values_list("updated_by_id", flat=True))
    ids |= set(BiasAssessment.objects.filter(version=version).values_list("created_by_id", flat=True))
    ids |= set(TestEvidence.objects.filter(version=version).values_list("submitted_by_id", flat=True))
    return ids - {None}


def developing_unit_ids(version, contributors: set[int] | None = None) -> set[int]:
    """The business units that develop the version: the model's own and every unit its submitter, owners and
    contributors (`contributor_ids`, if the caller has them) belong to. Independent validation (SR 11-7) comes
    from outside all of them."""
    from portfolio.models import Membership

    ids = contributor_ids(version) if contributors is None else contributors
    units = set(Membership.objects.filter(user_id__in=ids).values_list("business_unit_id", flat=True))
    return (units | {version.model.use_case.business_unit_id}) - {None}


def _unit_members(unit_ids: set[int]) -> set[int]:
    from portfolio.models import Membership

    return set(Membership.objects.filter(business_unit_id__in=unit_ids).values_list("user_id", flat=True))


def validator_conflict(user, version, developing: set[int] | None = None) -> str:
    """Why `user` may not sign as validator of `version` (a member of a developing unit), or "" if they may."""
    from portfolio.models import BusinessUnit

    units = developing_unit_ids(version) if developing is None else developing
    shared = BusinessUnit.objects.filter(pk__in=units, memberships__user=user)
    names = sorted(shared.values_list("name", flat=True).distinct())
    if not names:
        return ""
    return (
        f"Independent validation: you are a member of {', '.join(names)}, which develops {version}; a validator "
        "from outside the developing units must sign."
    )


def _supersede(reviews, *, reason: str) -> list[int]:
    """Close open reviews as superseded; their sign-offs stay in history, marked invalid."""
    ids = [review.pk for review in reviews]
    if ids:
        now = timezone.now()
        Review.objects.filter(pk__in=ids).update(status=ReviewStatus.SUPERSEDED, closed_at=now)
        SignOff.objects.filter(review_id__in=ids, invalidated_at__isnull=True).update(
            invalidated_at=now, invalidated_reason=reason[:300]
        )
    return ids


def review_open(*, version, actor, from_stage: str = "", reason: str = "") -> Review:
    """Listener of lifecycle's entry into pending approval: open the review under the current policy of
    the use case's tier and tell the holders of each required function."""
    tier = version.model.use_case.risk_tier
    policy = current_policy(tier)
    if policy is None:
        raise Conflict(
            f"{version} cannot be submitted: the use case is not assessed (tier “{tier}”) or its tier has no "
            "review policy. Approve an impact assessment of the use case first."
        )
    open_reviews = Review.objects.select_for_update().filter(version__model=version.model, status=ReviewStatus.OPEN)
    _supersede(open_reviews, reason=f"A new review of {version} was opened.")
    review = Review.objects.create(version=version, policy=policy, policy_snapshot=policy.snapshot(), opened_by=actor)
    audit.record(
        actor=actor,
        action="review.opened",
        target=review,
        reason=reason,
        after={"version": str(version), "policy": f"{tier} v{policy.version}", "functions": policy.required_functions},
    )
    excluded = contributor_ids(version)
    in_developing_units = set()
    if VALIDATION in policy.required_functions:  # validators of a developing unit are not asked
        in_developing_units = _unit_members(developing_unit_ids(version, excluded))
    url = reverse("governance:review_detail", args=[review.pk])
    for function in policy.required_functions:
        skipped = excluded | in_developing_units if function == VALIDATION else excluded
        recipients = [
            user for user in holders_of(function) if user.pk not in skipped and can(user, "view", version.model)
        ]
        notifications.notify(
            recipients=recipients,
            subject=f"Sign-off needed as {FUNCTION_NAMES[function]}: {version}",
            body=f"{version} was submitted for approval under the {tier} policy v{policy.version}.",
            url=url,
            category="review",
            about=review,
        )
    return review


def reviews_supersede_for_new_version(*, version, actor, from_stage: str = "", reason: str = "") -> None:
    """Listener of a version's registration: the model's open reviews are superseded by the new content."""
    open_reviews = list(
        Review.objects.select_for_update().filter(version__model=version.model, status=ReviewStatus.OPEN)
    )
    ids = _supersede(open_reviews, reason=f"Superseded by the registration of {version}.")
    for review in open_reviews:
        audit.record(
            actor=actor,
            action="review.superseded",
            target=review,
            reason=f"{version} was registered.",
            before={"status": ReviewStatus.OPEN},
            after={"status": ReviewStatus.SUPERSEDED, "by_version": version.version},
        )
    return ids


def has_current_training(user) -> bool:
    today = timezone.localdate()
    return TrainingRecord.objects.filter(
        user=user, course=Course.AI_LITERACY, completed_on__lte=today, expires_on__gte=today
    ).exists()


def _refuse_forced_reset(actor) -> None:
    """A password someone else set (an admin's reset) does not sign: whoever set it knows it. The holder sets
    their own first."""
    setter = password_set_by(actor)
    if setter is not None:
        raise NotAllowed(
            f"password: your password was set by {setter}, so it cannot sign; set your own password first at "
            f"{reverse('password_change')} and sign again.",
            details={"password": ["Set your own password first."]},
        )


def _check_password(actor, password: str) -> None:
    """Re-authentication in the same request: a session alone never signs. A wrong password counts
    as a failed sign-in and as a failed signing re-authentication (both audited; the second kind locks
    the account after SIGN_REAUTH_LOCKOUT_THRESHOLD)."""
    if not password:
        raise NotAllowed(
            "password: signing needs your password, entered again now.", details={"password": ["Required."]}
        )
    username = actor.get_username()
    if authenticate(None, username=username, password=password) is not None:
        _refuse_forced_reset(actor)
        return
    audit.record(actor=actor, action=SIGN_REAUTH_FAILED, target=actor, target_repr=username)
    failure_recorded(username)
    state = lock_state(username)
    if state.locked:
        raise NotAllowed(
            f"password: your account is locked after repeated failed attempts; try again in {state.minutes_left} "
            "minutes or ask a platform admin.",
            details={"password": ["Locked."]},
        )
    raise NotAllowed("password: the password is wrong; nothing was signed.", details={"password": ["Wrong password."]})


def reauthenticate(actor, password: str = "", *, sso_proof=None, action: str = "") -> None:
    """Every signature-like decision re-authenticates through this one check (sign-offs, emergency approvals): a
    local account gives its password again; an account of the identity provider brings a fresh, unused
    re-authentication at the provider made for this very `action`, and cannot sign with a password."""
    if identity.signs_with_provider(actor):
        if password:
            raise NotAllowed(
                "password: you sign in through the identity provider, so you sign by re-authenticating there, not "
                "with a password. Use the Sign button without a password.",
                details={"password": ["Re-authenticate at the provider instead."]},
            )
        identity.reauthentication_use(user=actor, proof=sso_proof, action=action)
        return
    if sso_proof is not None:
        raise NotAllowed("Your account signs with its password, not through the identity provider.")
    _check_password(actor, password)


def signed_decision(actor, target, password: str, refused_action: str, decide, *, sso_proof=None, action: str = ""):
    """Run `decide()` as a signature: the person gives their password again in the same request, checked by
    `reauthenticate` (a wrong one is audited and counts towards the lockout; a password someone else set does not
    sign). Every refusal, of the password or of the decision, is audited on `target` as `refused_action`, and
    nothing else changes."""
    try:
        reauthenticate(actor, password, sso_proof=sso_proof, action=action)
        return decide()
    except ApplicationError as exc:
        audit.record(
            actor=actor,
            action=refused_action,
            target=target,
            reason=exc.message,
            after={"status": getattr(target, "status", "")},
        )
        raise


def sign_off_record(
    *,
    actor,
    review: Review,
    function: str,
    decision: str,
    comment: str = "",
    password: str = "",
    if_match: str = "",
    sso_proof=None,
):
    """Sign a review for one function. Every refusal is audited, and nothing else changes. `if_match` is the
    review's ETag the signer saw (optional): a signature on a review that changed since is refused (412).
    `sso_proof` replaces the password for an account of the identity provider (identity.services)."""
    try:
        reauthenticate(actor, password, sso_proof=sso_proof, action=f"review.sign_off:{review.pk}")
        return _sign(
            actor=actor, review=review, function=function, decision=decision, comment=comment, if_match=if_match
        )
    except ApplicationError as exc:
        audit.record(
            actor=actor,
            action="review.sign_off_refused",
            target=review,
            reason=exc.message,
            after={"function": str(function)[:30], "decision": str(decision)[:20]},
        )
        raise


def current_sign_offs(review: Review, digest: str) -> dict[str, SignOff]:
    """Function → the sign-off that stands: not invalidated, on this content, under this policy version."""
    return {
        s.function: s
        for s in review.sign_offs.all()
        if s.invalidated_at is None and s.digest == digest and s.policy_version == review.policy_snapshot["version"]
    }


def review_etag(review: Review, digest: str | None = None) -> str:
    """A strong ETag of what a signer decides on: status, content digest, the sign-offs that stand and the
    policy version. Any change to one of them changes it."""
    digest = digest or content_digest(review.version)
    standing = sorted(s.pk for s in current_sign_offs(review, digest).values())
    state = f"{review.status}|{digest}|{','.join(map(str, standing))}|{review.policy_snapshot.get('version')}"
    return '"' + hashlib.sha256(state.encode()).hexdigest()[:32] + '"'


def etag_matches(if_match: str, etag: str) -> bool:
    """RFC 9110 If-Match: `*` or any listed tag (a weak `W/` prefix compares by its opaque part)."""
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    return "*" in tags or etag in tags


@transaction.atomic
def _sign(*, actor, review: Review, function: str, decision: str, comment: str, if_match: str = "") -> SignOff:
    review = Review.objects.select_for_update().select_related("version__model__use_case").get(pk=review.pk)
    version = review.version
    require(actor, "view", version.model)
    if if_match and not etag_matches(if_match, review_etag(review)):
        raise PreconditionFailed(
            "If-Match: the review changed since you read it (a signature, the content or the policy); nothing was "
            "signed. Reload the review, check what changed, and sign again.",
            details={"if_match": ["Stale."]},
        )
    if function not in FUNCTION_CODES:
        raise ApplicationError(
            f"function: unknown function “{function}”; use one of {', '.join(FUNCTION_CODES)}.",
            details={"function": ["Unknown."]},
        )
    if decision not in Decision.values:
        raise ApplicationError(
            f"decision: use one of {', '.join(Decision.values)}.", details={"decision": ["Unknown decision."]}
        )
    if not actor.has_perm(function_permission(function)):
        raise NotAllowed(f"You do not hold the {FUNCTION_NAMES[function]} sign-off function.")
    contributors = contributor_ids(version)
    if actor.pk in contributors:
        raise NotAllowed(
            f"You submitted, own or contributed to {version}; an independent person must sign.",
        )
    if function == VALIDATION and (
        conflict := validator_conflict(actor, version, developing_unit_ids(version, contributors))
    ):
        raise NotAllowed(conflict)
    if not has_current_training(actor):
        raise NotAllowed(
            "You have no current AI-literacy training on record (EU AI Act Art. 4): complete the course, and ask "
            "a platform admin to record it on the training records page "
            f"({reverse('governance:training_records')}), before signing.",
            details={"training": [reverse("governance:training_records")]},
        )
    digest = content_digest(version)
    standing = current_sign_offs(review, digest)
    if review.status == ReviewStatus.APPROVED and len(standing) < len(review.required_functions):
        # Approved, but the content changed since: the review opens again for fresh signatures.
        review.status, review.closed_at = ReviewStatus.OPEN, None
        review.save(update_fields=["status", "closed_at"])
    if review.status != ReviewStatus.OPEN:
        raise Conflict(
            f"This review is {review.get_status_display().lower()}; nothing can be signed on it.",
            details={"status": [review.status]},
        )
    if function not in review.required_functions:
        raise ApplicationError(
            f"function: this review does not need {FUNCTION_NAMES[function]}; it needs "
            f"{', '.join(FUNCTION_NAMES[f] for f in review.required_functions)}.",
            details={"function": ["Not required by this review."]},
        )
    if function in standing:
        raise Conflict(
            f"{FUNCTION_NAMES[function]} has already decided on this review "
            f"({standing[function].get_decision_display().lower()} by {standing[function].signer_name}).",
            details={"function": ["Already decided."]},
        )
    mine = [s for s in standing.values() if s.signer_id == actor.pk]
    if mine:
        raise Conflict(
            f"You already signed this review as {FUNCTION_NAMES[mine[0].function]}; another person must sign "
            f"as {FUNCTION_NAMES[function]}.",
            details={"function": ["One person signs one function."]},
        )
    comment = (comment or "").strip()
    if decision != Decision.APPROVE and not comment:
        raise ApplicationError(
            "comment: say why you reject or what must change.", details={"comment": ["Required unless approving."]}
        )
    # A decision made on older content or an older policy no longer stands: mark it, keep it.
    review.sign_offs.filter(function=function, invalidated_at__isnull=True).update(
        invalidated_at=timezone.now(), invalidated_reason="The content or the policy changed since this signature."
    )
    sign_off = SignOff.objects.create(
        review=review,
        function=function,
        signer=actor,
        signer_name=actor.get_full_name() or actor.get_username(),
        decision=decision,
        meaning=signature_meaning(review=review, function=function, decision=decision, digest=digest),
        comment=comment,
        digest=digest,
        artefact_digest=version.digest,
        policy_version=review.policy_snapshot["version"],
    )
    audit.record(
        actor=actor,
        action="review.signed",
        target=review,
        reason=comment,
        after={
            "function": function,
            "decision": decision,
            "digest": digest,
            "policy_version": sign_off.policy_version,
            "meaning": sign_off.meaning,
        },
    )
    _after_decision(actor=actor, review=review, sign_off=sign_off, digest=digest)
    return sign_off


def _close(actor, review: Review, status: str) -> None:
    review.status, review.closed_at = status, timezone.now()
    review.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=actor, action=f"review.{status}", target=review, before={"status": "open"}, after={"status": status}
    )


def _after_decision(*, actor, review: Review, sign_off: SignOff, digest: str) -> None:
    version = review.version
    url = reverse("governance:review_detail", args=[review.pk])
    people = [u for u in _stakeholders(version) if u]
    if sign_off.decision == Decision.REJECT:
        _close(actor, review, ReviewStatus.REJECTED)
        if version.stage == Stage.PENDING_APPROVAL:
            lifecycle.model_version_transition(
                actor=actor,
                version=version,
                to_stage=Stage.REJECTED,
                reason=f"Rejected by {FUNCTION_NAMES[sign_off.function]}: {sign_off.comment}",
            )
        notifications.notify(
            recipients=people,
            subject=f"{version} was rejected",
            body=sign_off.comment,
            url=url,
            category="review",
            about=review,
        )
    elif sign_off.decision == Decision.REQUEST_CHANGES:
        notifications.notify(
            recipients=people,
            subject=f"Changes requested on {version}",
            body=f"{FUNCTION_NAMES[sign_off.function]}: {sign_off.comment}",
            url=url,
            category="review",
            about=review,
        )
    else:
        standing = current_sign_offs(review, digest)
        approved = [f for f in review.required_functions if f in standing and standing[f].decision == Decision.APPROVE]
        if len(approved) == len(review.required_functions):
            # The review is complete; a review board member moves the version (the gate re-checks it), or, where
            # the policy says so, the last signature moves it when every gate of approved passes.
            _close(actor, review, ReviewStatus.APPROVED)
            moved = review.policy_snapshot.get("promote_on_approval") and _promote(actor, version)
            notifications.notify(
                recipients=people,
                subject=f"{version} has every sign-off" + (" and is approved" if moved else ""),
                body="Every required function approved; "
                + (
                    "the policy moved the version to approved. Next: staging or production, by its owners."
                    if moved
                    else "the version can now be moved to approved from the review page."
                ),
                url=url,
                category="review",
                about=review,
            )


def _promote(actor, version) -> bool:
    """Move a version pending approval to approved for a policy that promotes on approval. Only when every gate
    of approved passes (checked first, so a refusal leaves nothing behind); a refusal in the move itself is
    rolled back to a savepoint and the signature stands."""
    from lifecycle import gates

    if version.stage != Stage.PENDING_APPROVAL:
        return False
    if any(not result.passed for result in gates.run(version=version, to_stage=Stage.APPROVED)):
        return False
    try:
        with transaction.atomic():
            lifecycle.model_version_transition(
                actor=actor,
                version=version,
                to_stage=Stage.APPROVED,
                reason="Every required function approved; the review policy promotes on approval.",
            )
    except ApplicationError:
        return False
    return True


def review_deployed(*, version, actor, from_stage: str = "", reason: str = "") -> None:
    """Listener of lifecycle's entry into production, in the transaction that moved the version: record the
    content digest that went live and the sign-offs the approval gate counted (none under an emergency release)."""
    from governance.gates import latest_review

    review = latest_review(version)
    digest = content_digest(version)
    counted = {}
    if review is not None and review.status == ReviewStatus.APPROVED:
        standing = current_sign_offs(review, digest)
        counted = {
            f: standing[f]
            for f in review.required_functions
            if f in standing and standing[f].decision == Decision.APPROVE
        }
    audit.record(
        actor=actor,
        action="review.deployed",
        target=version,
        after={
            "digest": digest,
            "review": review.pk if review else None,
            "sign_offs": {f: s.pk for f, s in counted.items()},
            "sign_off_digests": sorted({s.digest for s in counted.values()}),
        },
    )

"""Signatures completed after a re-authentication at the identity provider (identity.signing calls these once the
provider vouched for the signer). Each calls the same service as a password signature, with the proof instead."""

from governance import selectors, services
from governance.services import freeze_exemptions
from identity.signing import Signed, register
from lifecycle.models import EmergencyApproval

SIGN_OFF = "review.sign_off"
EMERGENCY_APPROVAL = "emergency_release.approve"
EMERGENCY_REFUSAL = "emergency_release.refuse"
EMERGENCY_DEPLOY = "emergency_release.deploy"
FREEZE_EXEMPTION_APPROVAL = "freeze_exemption.approve"
FREEZE_EXEMPTION_REFUSAL = "freeze_exemption.refuse"
# The page steps an account of the provider signs by re-authenticating there (cancelling is not a signature).
EMERGENCY_STEPS = {"approve": EMERGENCY_APPROVAL, "refuse": EMERGENCY_REFUSAL, "deploy": EMERGENCY_DEPLOY}
FREEZE_EXEMPTION_STEPS = {"approve": FREEZE_EXEMPTION_APPROVAL, "refuse": FREEZE_EXEMPTION_REFUSAL}


def _complete_sign_off(*, user, object_id: int, payload: dict, proof) -> Signed:
    review = selectors.review_list(user=user).get(pk=object_id)
    services.sign_off_record(
        actor=user,
        review=review,
        function=payload.get("function", ""),
        decision=payload.get("decision", ""),
        comment=payload.get("comment", ""),
        if_match=payload.get("if_match", ""),
        sso_proof=proof,
    )
    return Signed(
        "Signed after you re-authenticated at the identity provider; your signature is recorded with the "
        "content digest."
    )


def _releases(user):
    return selectors.emergency_release_list(user=user)


def _exemptions(user):
    return EmergencyApproval.objects.restrict(user, "view")


def _completion(visible, service, record: str, text: str, message: str):
    """A completion that finds the record among those the signer may see (visible(user)) and calls the service
    with it as `record`, the text typed before leaving for the provider as `text`, and the proof."""

    def complete(*, user, object_id: int, payload: dict, proof) -> Signed:
        found = visible(user).get(pk=object_id)
        service(actor=user, **{record: found, text: payload.get("text", "")}, sso_proof=proof)
        return Signed(message)

    return complete


_AFTER = "after you re-authenticated at the identity provider"
_COMPLETIONS = {
    EMERGENCY_APPROVAL: _completion(
        _releases, services.emergency_release_approve, "release", "comment", f"Approved {_AFTER}."
    ),
    EMERGENCY_REFUSAL: _completion(
        _releases,
        services.emergency_release_refuse,
        "release",
        "reason",
        f"Refused {_AFTER}; the requester is told.",
    ),
    EMERGENCY_DEPLOY: _completion(
        _releases,
        services.emergency_release_deploy,
        "release",
        "reason",
        f"Released to production {_AFTER}; the alert is raised and the post-implementation review is open.",
    ),
    FREEZE_EXEMPTION_APPROVAL: _completion(
        _exemptions, freeze_exemptions.freeze_exemption_approve, "exemption", "comment", f"Approved {_AFTER}."
    ),
    FREEZE_EXEMPTION_REFUSAL: _completion(
        _exemptions,
        freeze_exemptions.freeze_exemption_refuse,
        "exemption",
        "reason",
        f"Refused {_AFTER}; the requester is told.",
    ),
}


def register_completions() -> None:
    register(SIGN_OFF, _complete_sign_off)
    for kind, complete in _COMPLETIONS.items():
        register(kind, complete)

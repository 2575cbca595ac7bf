"""Signatures completed after a re-authentication at the identity provider (identity.signing calls these once the
provider vouched for the signer). Each calls the same service as a password signature, with the proof instead."""

from governance import selectors, services
from identity.signing import Signed, register

SIGN_OFF = "review.sign_off"
EMERGENCY_APPROVAL = "emergency_release.approve"


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


def _complete_emergency_approval(*, user, object_id: int, payload: dict, proof) -> Signed:
    release = selectors.emergency_release_list(user=user).get(pk=object_id)
    services.emergency_release_approve(actor=user, release=release, comment=payload.get("comment", ""), sso_proof=proof)
    return Signed("Approved after you re-authenticated at the identity provider.")


def register_completions() -> None:
    register(SIGN_OFF, _complete_sign_off)
    register(EMERGENCY_APPROVAL, _complete_emergency_approval)

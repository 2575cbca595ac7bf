"""Electronic signatures (21 CFR Part 11 §§11.50, 11.70, 11.100, 11.200; RELIABILITY T21): re-authentication in
the same request, lockout after three failed signing re-authentications with a security event, the same
signature manifestation on every surface, no transferable signature, no reassigned username."""

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from core.exceptions import NotAllowed
from core.lockout import ACCOUNT_LOCKED, lock_state
from governance import services
from governance.digest import content_digest
from governance.models import Review, SignOff
from notifications.models import Notification
from tests.governance.conftest import submit
from tests.governance.helpers import PASSWORD, approve_version, person, signer_for


def open_review(version) -> Review:
    return Review.objects.get(version=version, status="open")


def sign(user, review, password=PASSWORD, comment="Holdout recall 0.85 meets the policy."):
    return services.sign_off_record(
        actor=user, review=review, function="validation", decision="approve", comment=comment, password=password
    )


def test_a_session_alone_never_signs_on_any_surface(pending, api, client):
    review, validator = open_review(pending), signer_for("validation")
    url = f"/api/v1/reviews/{review.pk}/sign-offs/"
    for password in ("", None):
        body = {"function": "validation", "decision": "approve"}
        if password is not None:
            body["password"] = password
        response = api(validator).post(url, body, format="json")
        assert response.status_code == 403, response.content
        assert "password" in response.json()["detail"]
    client.force_login(validator)
    page = client.post(f"/governance/reviews/{review.pk}/", {"function": "validation", "decision": "approve"})
    assert "signing needs your password" in page.content.decode()
    assert not SignOff.objects.exists()


def test_three_failed_signing_reauthentications_lock_the_account_and_raise_a_security_event(pending, client):
    review, validator = open_review(pending), signer_for("validation")
    admin = person("secops", "platform_admin")
    for _ in range(2):
        with pytest.raises(NotAllowed, match="wrong"):
            sign(validator, review, password="not-my-password")
    assert not lock_state(validator.username).locked
    with pytest.raises(NotAllowed, match="locked"):
        sign(validator, review, password="still-wrong")
    # Locked for signing and for signing in, even with the right password.
    with pytest.raises(NotAllowed, match="locked"):
        sign(validator, review)
    assert not client.login(username=validator.username, password=PASSWORD)
    assert not SignOff.objects.exists()
    # Every refused attempt is on the trail, the one made with the right password while locked too.
    assert AuditEvent.objects.filter(action="auth.sign_reauth_failed", target_repr=validator.username).count() == 4
    alarms = AuditEvent.objects.filter(action=ACCOUNT_LOCKED, target_repr=validator.username)
    assert alarms.count() == 1  # once per lock, not once per further attempt
    assert Notification.objects.filter(recipient=admin, category="security", subject__contains="locked").exists()
    assert Notification.objects.filter(recipient=validator, category="security").exists()


def test_two_failures_then_a_good_signature_do_not_lock(pending):
    review, validator = open_review(pending), signer_for("validation")
    for _ in range(2):
        with pytest.raises(NotAllowed):
            sign(validator, review, password="typo")
    assert sign(validator, review).decision == "approve"
    assert not AuditEvent.objects.filter(action=ACCOUNT_LOCKED).exists()


@pytest.fixture
def signed(pending):
    """A signature whose comment holds a Markdown column break and a line break."""
    validator = signer_for("validation")
    validator.first_name, validator.last_name = "Vera", "Validator"
    validator.save()
    return sign(validator, open_review(pending), comment="Recall 0.85 | precision 0.80\nmeets policy v1.")


def _fields(sign_off) -> dict[str, str]:
    """What Part 11 §11.50 asks each manifestation to show, as text a surface must contain."""
    return {
        "printed name": "Vera Validator",
        "signer id": f"#{sign_off.signer_id}",
        "function": "Validation",
        "meaning": sign_off.meaning,
        "time (UTC)": f"{sign_off.signed_at:%Y-%m-%d %H:%M}",
        "digest": sign_off.digest,
        "policy version": f"v{sign_off.policy_version}",
    }


def _missing(text: str, sign_off, comment: str) -> list[str]:
    expected = _fields(sign_off) | {"comment": comment}
    return [name for name, value in expected.items() if value not in text]


def test_the_signature_shows_the_same_fields_on_all_five_surfaces(signed, ds, api, client):
    import html

    version = signed.review.version
    flat_comment = "Recall 0.85 \\| precision 0.80 meets policy v1."
    client.force_login(signer_for("validation"))
    page = html.unescape(client.get(f"/governance/reviews/{signed.review_id}/").content.decode())
    assert _missing(page, signed, "Recall 0.85 | precision 0.80") == []

    rows = api(ds).get(f"/api/v1/reviews/{signed.review_id}/sign-offs/").json()
    row = rows[0] if isinstance(rows, list) else rows["results"][0]
    assert row["signer_id"] == signed.signer_id and row["signer_name"] == "Vera Validator"
    assert (row["function"], row["meaning"], row["digest"]) == ("validation", signed.meaning, signed.digest)
    assert row["policy_version"] == signed.policy_version and row["comment"] == signed.comment
    assert row["signed_at"].startswith(f"{signed.signed_at:%Y-%m-%dT%H:%M}") and row["signed_at"].endswith("Z")

    pack = zipfile.ZipFile(io.BytesIO(api(ds).get(f"/api/v1/governance/versions/{version.pk}/evidence-pack/").content))
    (packed,) = json.loads(pack.read("reviews_and_sign_offs.json"))[0]["sign_offs"]
    assert (packed["signer_id"], packed["signer_name"], packed["function_name"]) == (
        signed.signer_id,
        "Vera Validator",
        "Validation",
    )
    assert (packed["meaning"], packed["comment"], packed["digest"]) == (signed.meaning, signed.comment, signed.digest)
    assert packed["policy_version"] == signed.policy_version
    summary = pack.read("README.md").decode()
    assert _missing(summary, signed, flat_comment) == []

    client.force_login(ds)
    printable = html.unescape(client.get(f"/governance/versions/{version.pk}/evidence-pack/").content.decode())
    assert _missing(printable, signed, "Recall 0.85 | precision 0.80") == []


def test_a_signature_copied_to_another_version_counts_for_nothing(pending, ds, model):
    signed_off = approve_version(pending)
    original = SignOff.objects.filter(review__version=signed_off).first()
    second = submit(ds, model, "2")
    review = open_review(second)
    forged = SignOff.objects.create(
        review=review,
        function=original.function,
        signer=original.signer,
        signer_name=original.signer_name,
        decision=original.decision,
        meaning=original.meaning,
        digest=original.digest,
        policy_version=original.policy_version,
    )
    digest = content_digest(second)
    assert forged.digest != digest
    assert services.current_sign_offs(review, digest) == {}


def test_a_username_is_never_reassigned(make_user, admin_client):
    former = make_user("j.doe")
    former.is_active = False
    former.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="j.doe", password="another-horse-battery")
    response = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "j.doe", "password1": "Another-horse-battery-9", "password2": "Another-horse-battery-9"},
    )
    assert "already exists" in response.content.decode()
    assert admin_client.post(f"/admin/auth/user/{former.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(username="j.doe").count() == 1

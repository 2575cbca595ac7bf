"""Signing with single sign-on: an account of the provider signs a review (or approves an emergency release) by
re-authenticating at the provider (prompt=login, max_age=0), never with a password; the service accepts only a
fresh, unused proof made for this signer and this decision."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import NotAllowed
from governance import services as governance
from governance.models import Review, SignOff
from identity import services
from identity.models import Reauthentication
from tests.governance import conftest as governance_fixtures
from tests.sso.flow import sso_sign_in, without_prompt
from tests.sso.helpers import map_claims, trained_signer

pytestmark = pytest.mark.django_db
# The governance tests' open review of a medium-tier version (and what it needs).
deployable, requested = governance_fixtures.deployable, governance_fixtures.requested
ds, use_case, model, pending = (
    governance_fixtures.ds,
    governance_fixtures.use_case,
    governance_fixtures.model,
    governance_fixtures.pending,
)
DECISION = {"function": "validation", "decision": "approve", "comment": "Holdout recall meets the policy."}


@pytest.fixture
def alice(client, sso_on, units, pending):
    """alice, signed in through the provider: review board, validation signer, trained, and a member of Corporate
    (independent of Retail, which develops the model)."""
    map_claims(units, unit="CORP")
    return trained_signer(client, sso_on, "alice")


def _review(pending) -> Review:
    return Review.objects.get(version=pending, status="open")


def _press_sign(client, review):
    response = client.post(f"/governance/reviews/{review.pk}/", DECISION)
    assert response.status_code == 302, response.content[:400]
    return response["Location"]


def test_the_review_page_asks_a_provider_account_for_no_password_but_a_re_authentication(client, alice, pending):
    page = client.get(f"/governance/reviews/{_review(pending).pk}/").content.decode()
    assert 'data-testid="sign-by-provider"' in page and "Sign (re-authenticate at the provider)" in page
    assert 'name="password"' not in page


def test_a_provider_account_signs_after_signing_in_again_at_the_provider(client, alice, pending):
    review = _review(pending)
    authorize = _press_sign(client, review)
    assert "prompt=login" in authorize and "max_age=0" in authorize and "code_challenge=" in authorize
    asked_before = alice.browser.asked_to_sign_in

    back = client.get(alice.browser.authorize(authorize, "alice"))

    assert alice.browser.asked_to_sign_in == asked_before + 1  # the provider asked for the password again
    assert back["Location"] == f"/governance/reviews/{review.pk}/"
    signature = SignOff.objects.get(review=review, function="validation")
    assert signature.signer == alice and signature.decision == "approve"
    assert Reauthentication.objects.get().status == Reauthentication.Status.USED
    assert AuditEvent.objects.filter(action="sso.reauth_verified", actor=alice).exists()


def test_a_provider_that_vouches_with_an_old_sign_in_does_not_sign(client, alice, pending):
    review = _review(pending)
    authorize = _press_sign(client, review)
    alice.browser.backdate_sign_in("alice", minutes=10)
    # A provider that ignores prompt=login answers from its session: the sign-in it vouches for is 10 minutes old.
    back = client.get(alice.browser.authorize(without_prompt(authorize), "alice"), follow=True)

    assert "was not fresh enough to sign" in back.content.decode()
    assert not SignOff.objects.exists()
    assert Reauthentication.objects.get().status == Reauthentication.Status.FAILED
    assert AuditEvent.objects.filter(action="sso.reauth_refused", actor=alice).exists()


def test_a_used_proof_or_a_replayed_answer_signs_nothing_more(client, alice, pending):
    review = _review(pending)
    back = alice.browser.authorize(_press_sign(client, review), "alice")
    client.get(back)
    proof = Reauthentication.objects.get()

    assert client.get(back).status_code == 404  # the provider's answer is spent
    with pytest.raises(NotAllowed, match="already used"):
        services.reauthentication_use(user=alice, proof=proof, action=f"review.sign_off:{review.pk}")
    with pytest.raises(NotAllowed, match="another signer or another decision"):
        services.reauthentication_use(user=alice, proof=proof, action="emergency_release.approve:1")
    assert SignOff.objects.count() == 1


def test_a_provider_account_cannot_sign_with_a_password_on_any_surface(client, api, alice, pending):
    review = _review(pending)
    with pytest.raises(NotAllowed, match="re-authenticating there, not with a password"):
        governance.sign_off_record(actor=alice, review=review, password="provider-pass-123", **DECISION)
    response = api(alice).post(
        f"/api/v1/reviews/{review.pk}/sign-offs/", {**DECISION, "password": "provider-pass-123"}, format="json"
    )
    assert response.status_code == 403 and "identity provider" in response.json()["detail"]
    assert not SignOff.objects.exists()
    assert AuditEvent.objects.filter(action="review.sign_off_refused", actor=alice).count() == 2


def test_a_proof_verified_with_another_nonce_or_made_for_someone_else_signs_nothing(client, alice, pending, sso_on):
    review = _review(pending)
    _press_sign(client, review)
    started = Reauthentication.objects.get()
    link = alice.external_identities.get()
    claims = {"iss": link.issuer, "sub": link.subject, "auth_time": int(timezone.now().timestamp())}
    _, problem = services.reauthentication_verify(
        user=alice, state=started.state, id_token_claims={**claims, "nonce": "not-this-one"}
    )
    assert "nonce" in problem
    other = User.objects.create_user("dave", password="dave-pass-2026-x")
    with pytest.raises(NotAllowed, match="another signer"):
        services.reauthentication_use(user=other, proof=started, action=f"review.sign_off:{review.pk}")
    assert not SignOff.objects.exists()


def test_an_emergency_approval_by_a_provider_account_re_authenticates_at_the_provider(client, alice, requested):
    from identity.models import ClaimMapping
    from tests.sso.helpers import role, superuser

    services.claim_mapping_create(
        actor=superuser("root2"),
        claim_value="idp-review-board",
        grants=ClaimMapping.Grants.ROLE,
        role=role("emergency_approver"),
    )
    client.logout()
    sso_sign_in(client, alice.browser, "alice")  # the new row applies at the next sign-in
    url = f"/governance/emergency-releases/{requested.pk}/"
    page = client.get(url).content.decode()
    assert "either button takes you to your identity provider" in page and 'name="password"' not in page

    authorize = client.post(url, {"step": "approve", "text": "Losses justify it."})["Location"]
    assert "prompt=login" in authorize
    back = client.get(alice.browser.authorize(authorize, "alice"), follow=True)

    assert "Approved after you re-authenticated" in back.content.decode()
    requested.refresh_from_db()
    assert requested.first_approver_id == alice.pk
    with pytest.raises(NotAllowed, match="not with a password"):
        governance.emergency_release_approve(actor=alice, release=requested, password="provider-pass-123")

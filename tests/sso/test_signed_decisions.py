"""Every signed decision works for an account of the identity provider: refusing or releasing an emergency release
and approving or refusing a freeze exemption re-authenticate at the provider (prompt=login, max_age=0) as a review
sign-off does; the service accepts only a fresh, unused proof made for this signer and this very decision, and a
local account still signs with its password."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import NotAllowed
from governance import services as governance
from governance.services import freeze_exemptions as exemptions
from identity import services
from identity.models import ClaimMapping, Reauthentication
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from tests.governance import conftest as governance_fixtures
from tests.governance import test_freeze_exemptions as freeze_fixtures
from tests.governance.helpers import PASSWORD, person
from tests.sso.flow import ProviderBrowser, sso_sign_in, without_prompt
from tests.sso.helpers import map_claims, role, trained_signer

pytestmark = pytest.mark.django_db
# The governance tests' emergency release of a medium-tier version and their freeze of production.
deployable, requested, approvers, approved = (
    governance_fixtures.deployable,
    governance_fixtures.requested,
    governance_fixtures.approvers,
    governance_fixtures.approved,
)
ds, use_case, model, pending = (
    governance_fixtures.ds,
    governance_fixtures.use_case,
    governance_fixtures.model,
    governance_fixtures.pending,
)
freeze, ready = freeze_fixtures.freeze, freeze_fixtures.ready
REASON = "The drift report is not in; this waits for the full review."


@pytest.fixture
def alice(client, sso_on, units):
    """alice, signed in through the provider: review board (so she decides freeze exemptions) and, through the
    same claim, the emergency function; trained; independent of Retail, which develops the model."""
    actor = map_claims(units, unit="CORP")
    services.claim_mapping_create(
        actor=actor,
        claim_value="idp-review-board",
        grants=ClaimMapping.Grants.ROLE,
        role=role("emergency_approver"),
    )
    return trained_signer(client, sso_on, "alice")


@pytest.fixture
def exemption(freeze, ready, ds):
    return exemptions.freeze_exemption_request(actor=ds, version=ready, reason="Card-testing attack: fix now.")


def _press(client, url: str, step: str, text: str = "") -> str:
    """Press a decision button on the page; the address of the provider it sends the signer to."""
    response = client.post(url, {"step": step, "text": text})
    assert response.status_code == 302, response.content[:400]
    assert "prompt=login" in response["Location"] and "max_age=0" in response["Location"]
    return response["Location"]


def _verified_proof(client, alice, url: str, step: str) -> Reauthentication:
    """A re-authentication the provider vouched for just now, started from `step` on the page and not yet used."""
    _press(client, url, step)
    started = Reauthentication.objects.filter(user=alice).latest("pk")
    link = alice.external_identities.get()
    claims = {"iss": link.issuer, "sub": link.subject, "auth_time": int(timezone.now().timestamp())}
    proof, problem = services.reauthentication_verify(
        user=alice, state=started.state, id_token_claims={**claims, "nonce": started.nonce}
    )
    assert problem == ""
    return proof


def test_a_provider_account_refuses_an_emergency_release_after_re_authenticating(client, alice, requested):
    url = f"/governance/emergency-releases/{requested.pk}/"
    page = client.get(url).content.decode()
    assert "either button takes you to your identity provider" in page and 'name="password"' not in page
    authorize = _press(client, url, "refuse", REASON)
    asked_before = alice.browser.asked_to_sign_in

    back = client.get(alice.browser.authorize(authorize, "alice"), follow=True)

    assert alice.browser.asked_to_sign_in == asked_before + 1  # the provider asked for the password again
    assert "Refused after you re-authenticated" in back.content.decode()
    requested.refresh_from_db()
    assert (requested.status, requested.closed_by, requested.closing_reason) == ("refused", alice, REASON)
    assert AuditEvent.objects.filter(action="emergency_release.refused", actor=alice).exists()
    assert Reauthentication.objects.get(action=f"emergency_release.refuse:{requested.pk}").status == "used"


def test_a_provider_account_approves_a_freeze_exemption_after_re_authenticating(client, alice, exemption, ds):
    url = f"/governance/freeze-exemptions/{exemption.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="freeze-exemption-decide"' in page and 'name="password"' not in page
    assert "either button takes you to your identity provider" in page
    authorize = _press(client, url, "approve", "Go, before the weekend.")

    back = client.get(alice.browser.authorize(authorize, "alice"), follow=True)

    assert "Approved after you re-authenticated" in back.content.decode()
    exemption.refresh_from_db()
    assert (exemption.status, exemption.approved_by, exemption.decision_comment) == (
        "approved",
        alice,
        "Go, before the weekend.",
    )
    assert AuditEvent.objects.filter(action="freeze_exemption.approved", actor=alice).exists()


def test_a_provider_account_refuses_a_freeze_exemption_and_a_missing_reason_is_named(client, alice, exemption):
    url = f"/governance/freeze-exemptions/{exemption.pk}/"
    back = client.get(alice.browser.authorize(_press(client, url, "refuse"), "alice"), follow=True)
    # Refused after the round trip, naming the field: nothing was decided.
    assert "reason: say why the release waits for the end of the freeze." in back.content.decode()
    exemption.refresh_from_db()
    assert exemption.status == "requested"

    back = client.get(alice.browser.authorize(_press(client, url, "refuse", REASON), "alice"), follow=True)
    assert "Refused after you re-authenticated" in back.content.decode()
    exemption.refresh_from_db()
    assert (exemption.status, exemption.decision_comment) == ("refused", REASON)


def test_a_stale_sign_in_at_the_provider_refuses_nothing(client, alice, requested):
    url = f"/governance/emergency-releases/{requested.pk}/"
    authorize = _press(client, url, "refuse", REASON)
    alice.browser.backdate_sign_in("alice", minutes=10)
    # A provider that ignores prompt=login answers from its session: the sign-in it vouches for is 10 minutes old.
    back = client.get(alice.browser.authorize(without_prompt(authorize), "alice"), follow=True)

    assert "was not fresh enough to sign" in back.content.decode()
    requested.refresh_from_db()
    assert requested.status == "requested" and requested.closed_by is None


def test_a_freeze_exemption_proof_decides_only_what_it_was_made_for_and_only_once(client, alice, exemption):
    for_approval = _verified_proof(client, alice, f"/governance/freeze-exemptions/{exemption.pk}/", "approve")
    with pytest.raises(NotAllowed, match="another signer or another decision"):
        exemptions.freeze_exemption_refuse(actor=alice, exemption=exemption, reason=REASON, sso_proof=for_approval)
    exemption.refresh_from_db()
    assert exemption.status == "requested"
    assert AuditEvent.objects.filter(action="freeze_exemption.decision_refused", actor=alice).count() == 1

    exemptions.freeze_exemption_approve(actor=alice, exemption=exemption, comment="Go.", sso_proof=for_approval)
    exemption.refresh_from_db()
    assert (exemption.status, exemption.approved_by) == ("approved", alice)
    with pytest.raises(NotAllowed, match="already used"):  # replayed: the approval spent it
        exemptions.freeze_exemption_approve(actor=alice, exemption=exemption, sso_proof=for_approval)


def test_an_emergency_proof_decides_only_what_it_was_made_for_and_only_once(client, alice, requested):
    for_refusal = _verified_proof(client, alice, f"/governance/emergency-releases/{requested.pk}/", "refuse")
    with pytest.raises(NotAllowed, match="another signer or another decision"):
        governance.emergency_release_approve(actor=alice, release=requested, sso_proof=for_refusal)
    requested.refresh_from_db()
    assert requested.status == "requested" and requested.first_approver is None
    assert AuditEvent.objects.filter(action="emergency_release.approval_refused", actor=alice).count() == 1

    governance.emergency_release_refuse(actor=alice, release=requested, reason=REASON, sso_proof=for_refusal)
    requested.refresh_from_db()
    assert requested.status == "refused"
    with pytest.raises(NotAllowed, match="already used"):
        governance.emergency_release_refuse(actor=alice, release=requested, reason=REASON, sso_proof=for_refusal)


def test_an_owner_who_signs_in_at_the_provider_releases_to_production_after_re_authenticating(
    client, sso_on, units, approved, deployable
):
    map_claims(units)
    browser = ProviderBrowser(sso_on)
    sso_sign_in(client, browser, "bob")  # a data scientist through the provider's claims
    bob = User.objects.get(username="bob")
    bob.business_unit_memberships.create(business_unit=units["RETAIL"])
    deployable.model.owners.add(bob)
    url = f"/governance/emergency-releases/{approved.pk}/"
    page = client.get(url).content.decode()
    assert "it is a signature, so the button takes you to your identity provider" in page
    assert 'name="password"' not in page
    with pytest.raises(NotAllowed, match="not with a password"):
        governance.emergency_release_deploy(actor=bob, release=approved, password="provider-pass-123")

    back = client.get(browser.authorize(_press(client, url, "deploy"), "bob"), follow=True)

    assert "Released to production after you re-authenticated" in back.content.decode(), back.content.decode()[-3000:]
    assert ModelVersion.objects.get(pk=deployable.pk).stage == Stage.PRODUCTION


def test_a_local_account_still_approves_or_refuses_a_freeze_exemption_with_its_password(client, exemption):
    board = person("board-local", "review_board")
    with pytest.raises(NotAllowed, match="password"):
        exemptions.freeze_exemption_approve(actor=board, exemption=exemption)
    with pytest.raises(NotAllowed, match="signs with its password"):
        exemptions.freeze_exemption_approve(actor=board, exemption=exemption, sso_proof=Reauthentication())
    client.force_login(board)
    url = f"/governance/freeze-exemptions/{exemption.pk}/"
    page = client.get(url).content.decode()
    assert 'type="password"' in page and "it needs your password, entered again now" in page
    refused = client.post(url, {"step": "refuse", "text": REASON})
    assert refused.status_code == 400 and "password" in refused.context["form"].errors

    assert client.post(url, {"step": "refuse", "text": REASON, "password": PASSWORD}).status_code == 302
    exemption.refresh_from_db()
    assert exemption.status == "refused" and not Reauthentication.objects.exists()


def test_a_local_account_still_refuses_or_releases_an_emergency_release_with_its_password(client, requested, approvers):
    with pytest.raises(NotAllowed, match="password"):
        governance.emergency_release_refuse(actor=approvers[0], release=requested, reason=REASON)
    with pytest.raises(NotAllowed, match="signs with its password"):
        governance.emergency_release_deploy(actor=approvers[0], release=requested, sso_proof=Reauthentication())
    client.force_login(approvers[0])
    url = f"/governance/emergency-releases/{requested.pk}/"
    assert 'type="password"' in client.get(url).content.decode()
    assert client.post(url, {"step": "refuse", "text": REASON, "password": PASSWORD}).status_code == 302
    requested.refresh_from_db()
    assert (requested.status, requested.closed_by) == ("refused", approvers[0])
    assert not Reauthentication.objects.exists()

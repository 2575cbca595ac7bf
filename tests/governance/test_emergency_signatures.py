"""Every decision on an emergency release is signed (issue 20): approving, refusing and taking the version to
production re-authenticate in the same request, whatever the entry point (service, API, page); a wrong password
is audited and counts towards the lockout, a password someone else set does not sign, and nothing changes. A
cancellation needs a reason."""

import pytest
from django.conf import settings

from audit.models import AuditEvent
from core import accounts
from core.exceptions import ApplicationError, NotAllowed
from core.lockout import SIGN_REAUTH_FAILED, lock_state
from governance import services
from lifecycle.models import ModelVersion
from tests.governance.helpers import PASSWORD, person

DETAIL = "/governance/emergency-releases/{}/"
API = "/api/v1/emergency-releases/{}/{}/"


def _events(action, release):
    return AuditEvent.objects.filter(action=action, target_id=str(release.pk)).count()


def test_a_refusal_with_a_wrong_password_changes_nothing_on_any_entry_point(requested, approvers, api, client):
    with pytest.raises(NotAllowed, match="signing needs your password"):
        services.emergency_release_refuse(actor=approvers[0], release=requested, reason="Not urgent.")
    wrong = api(approvers[0]).post(
        API.format(requested.pk, "refuse"), {"reason": "Not urgent.", "password": "not-it"}, format="json"
    )
    assert wrong.status_code == 403 and "password is wrong" in wrong.json()["detail"]
    client.force_login(approvers[1])
    page = client.post(
        DETAIL.format(requested.pk), {"step": "refuse", "text": "Not urgent.", "password": "nope"}, follow=True
    )
    assert "password is wrong" in page.content.decode()
    requested.refresh_from_db()
    assert requested.status == "requested" and requested.closed_by is None
    assert _events("emergency_release.refusal_refused", requested) == 3
    assert AuditEvent.objects.filter(action=SIGN_REAUTH_FAILED).count() == 2
    assert not AuditEvent.objects.filter(action="emergency_release.refused").exists()
    signed = api(approvers[0]).post(
        API.format(requested.pk, "refuse"), {"reason": "Not urgent.", "password": PASSWORD}, format="json"
    )
    assert signed.status_code == 200 and signed.json()["status"] == "refused"


def test_a_release_to_production_needs_the_owner_s_password_on_every_entry_point(approved, ds, api, client):
    with pytest.raises(NotAllowed, match="signing needs your password"):
        services.emergency_release_deploy(actor=ds, release=approved)
    missing = api(ds).post(API.format(approved.pk, "deploy"), {"reason": "Go"}, format="json")
    assert missing.status_code == 403 and "password" in missing.json()["detail"]
    client.force_login(ds)
    detail = client.get(DETAIL.format(approved.pk)).content.decode()
    assert 'data-testid="emergency-deploy-note"' in detail and 'type="password"' in detail
    page = client.post(DETAIL.format(approved.pk), {"step": "deploy", "password": "wrong"}, follow=True)
    assert "password is wrong" in page.content.decode()
    assert ModelVersion.objects.get(pk=approved.version_id).stage == "pending_approval"
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert _events("emergency_release.deploy_refused", approved) == 3
    # The model page's panel offers the release with its own password field.
    panel = client.get(f"/lifecycle/models/{approved.version.model_id}/").content.decode()
    assert f'id="id_emergency{approved.pk}_password"' in panel
    client.post(DETAIL.format(approved.pk), {"step": "deploy", "password": PASSWORD})
    assert ModelVersion.objects.get(pk=approved.version_id).stage == "production"


def test_wrong_passwords_on_emergency_decisions_lock_the_account(approved, ds):
    for _ in range(settings.SIGN_REAUTH_LOCKOUT_THRESHOLD - 1):
        with pytest.raises(NotAllowed, match="wrong"):
            services.emergency_release_deploy(actor=ds, release=approved, password="guess")
    with pytest.raises(NotAllowed, match="locked"):
        services.emergency_release_deploy(actor=ds, release=approved, password="guess")
    assert lock_state(ds.username).locked
    with pytest.raises(NotAllowed, match="locked"):  # even the right password, while locked
        services.emergency_release_deploy(actor=ds, release=approved, password=PASSWORD)
    assert ModelVersion.objects.get(pk=approved.version_id).stage == "pending_approval"


def test_a_password_an_admin_set_cannot_refuse_or_release(approved, requested, ds, approvers, units):
    admin = person("acct-admin", "platform_admin")
    admin.is_superuser = True  # resets the password of anyone
    admin.save()
    accounts.user_set_password(actor=admin, user=ds, password="known-to-the-admin")
    with pytest.raises(NotAllowed, match="set by acct-admin"):
        services.emergency_release_deploy(actor=ds, release=approved, password="known-to-the-admin")
    assert ModelVersion.objects.get(pk=approved.version_id).stage == "pending_approval"
    other = person("em-three", "review_board", "emergency_approver", units=(units["RETAIL"],))
    accounts.user_set_password(actor=admin, user=other, password="known-to-the-admin")
    with pytest.raises(NotAllowed, match="set by acct-admin"):
        services.emergency_release_refuse(actor=other, release=approved, reason="No.", password="known-to-the-admin")
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_a_cancellation_needs_a_reason_on_every_entry_point(requested, ds, api, client):
    with pytest.raises(ApplicationError, match="reason"):
        services.emergency_release_cancel(actor=ds, release=requested, reason="  ")
    refused = api(ds).post(API.format(requested.pk, "cancel"), {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["detail"]
    client.force_login(ds)
    page = client.post(DETAIL.format(requested.pk), {"step": "cancel"}, follow=True)
    assert "reason" in page.content.decode()
    requested.refresh_from_db()
    assert requested.status == "requested"
    done = api(ds).post(API.format(requested.pk, "cancel"), {"reason": "The review finished in time."}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert AuditEvent.objects.get(action="emergency_release.cancelled").reason == "The review finished in time."


def test_a_signed_refusal_without_a_reason_is_refused_by_name_not_a_server_error(requested, approvers, api):
    # The API's reason is optional in the schema (a release to production may go without one); a refusal needs it.
    answer = api(approvers[0]).post(API.format(requested.pk, "refuse"), {"password": PASSWORD}, format="json")
    assert answer.status_code == 400 and "reason" in answer.json()["detail"]
    requested.refresh_from_db()
    assert requested.status == "requested"

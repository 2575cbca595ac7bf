"""Break-glass for a freeze window (issue 20): whoever may move a version asks for an exemption with a reason
(the version page's checklist links to it); a review board member who is not the requester approves or refuses
with their password, on the page or through the API; the approval is used by one move into production and ends
with the window; every step is audited and told only to people who may see the model."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core import accounts
from core.exceptions import ApplicationError, Conflict, NotAllowed
from core.lockout import SIGN_REAUTH_FAILED
from governance.services import freeze_exemptions as exemptions
from lifecycle import gates
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from notifications.models import Notification
from tests.governance.helpers import PASSWORD, approved_version, person

SIGNATURE = {"inputs": "[amount]"}
REASON = "Card-testing attack: the fix cannot wait for the end of the freeze."


@pytest.fixture
def freeze(units):
    admin = person("freeze-admin", "platform_admin")
    now = timezone.now()
    return lifecycle.freeze_window_create(
        actor=admin, name="Quarter-end freeze", start=now - timedelta(hours=1), end=now + timedelta(days=2)
    )


@pytest.fixture
def ready(ds, model):
    """An approved version with its production deployment recorded: only the freeze holds it."""
    version = approved_version(model, 7, actor=ds, signature=SIGNATURE)
    lifecycle.deployment_record(actor=ds, version=version, environment="production")
    return version


@pytest.fixture
def board(units):
    return person("board-freeze", "review_board", units=(units["RETAIL"],))


def _promote(ds, version):
    return lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.PRODUCTION, reason="fix")


def test_the_checklist_links_to_the_request_and_the_page_refuses_a_request_without_a_reason(freeze, ready, ds, client):
    client.force_login(ds)
    page = client.get(f"/lifecycle/versions/{ready.pk}/").content.decode()
    assert f"/governance/versions/{ready.pk}/freeze-exemption/" in page and "Request a freeze exemption" in page
    empty = client.post(f"/governance/versions/{ready.pk}/freeze-exemption/", {"reason": ""})
    assert empty.status_code == 400 and "reason" in empty.context["form"].errors
    assert not ready.emergency_approvals.exists()
    made = client.post(f"/governance/versions/{ready.pk}/freeze-exemption/", {"reason": REASON})
    exemption = ready.emergency_approvals.get()
    assert made.status_code == 302 and made.url == f"/governance/freeze-exemptions/{exemption.pk}/"
    assert exemption.requested_by == ds and exemption.window == freeze and exemption.valid_until == freeze.end


def test_a_second_person_approves_with_a_password_and_the_move_uses_the_approval(
    freeze, ready, ds, board, client, units
):
    outsider = person("board-corp", "review_board", units=(units["CORP"],))
    ready.model.confidential = True  # the CORP reviewer may not see it: neither told nor able to decide
    ready.model.save(update_fields=["confidential"])
    exemption = exemptions.freeze_exemption_request(actor=ds, version=ready, reason=REASON)
    assert Notification.objects.filter(recipient=board, subject__contains="Freeze exemption requested").exists()
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert not Notification.objects.filter(recipient=ds, subject__contains="requested").exists()

    url = f"/governance/freeze-exemptions/{exemption.pk}/"
    client.force_login(ds)
    assert 'data-testid="freeze-exemption-decide"' not in client.get(url).content.decode()  # not the requester
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(board)
    page = client.get(url).content.decode()
    assert 'data-testid="freeze-exemption-decide"' in page and 'type="password"' in page
    wrong = client.post(url, {"step": "approve", "password": "not-mine"})
    assert wrong.status_code == 400 and "password is wrong" in wrong.content.decode()
    exemption.refresh_from_db()
    assert exemption.status == "requested" and exemption.approved_by is None
    assert AuditEvent.objects.filter(action=SIGN_REAUTH_FAILED, target_repr=board.username).count() == 1
    with pytest.raises(Conflict, match="waits for a review board member"):
        _promote(ds, ready)

    assert client.post(url, {"step": "approve", "text": "Go.", "password": PASSWORD}).status_code == 302
    exemption.refresh_from_db()
    assert (exemption.status, exemption.approved_by) == ("approved", board)
    assert Notification.objects.filter(recipient=ds, subject__contains="approved").exists()
    _promote(ds, ready)
    exemption.refresh_from_db()
    assert ModelVersion.objects.get(pk=ready.pk).stage == Stage.PRODUCTION and exemption.status == "used"
    # Single use: the same version needs a new exemption to enter production again during this freeze.
    assert "request an exemption" in gates.outside_freeze_window(ready)


def test_the_api_requests_and_decides_with_the_same_rules(freeze, ready, ds, board, api):
    made = api(ds).post("/api/v1/freeze-exemptions/", {"version": ready.pk, "reason": ""}, format="json")
    assert made.status_code == 400 and "reason" in made.json()["detail"]
    made = api(ds).post(
        "/api/v1/freeze-exemptions/", {"version": ready.pk, "reason": REASON, "status": "approved"}, format="json"
    )
    assert made.status_code == 201 and made.json()["status"] == "requested"
    url = f"/api/v1/freeze-exemptions/{made.json()['id']}/"
    again = api(ds).post("/api/v1/freeze-exemptions/", {"version": ready.pk, "reason": REASON}, format="json")
    assert again.status_code == 409 and "already has an open freeze exemption" in again.json()["detail"]
    own = api(ds).post(f"{url}approve/", {"password": "correct-horse-battery"}, format="json")
    assert own.status_code == 403
    missing = api(board).post(f"{url}approve/", {}, format="json")
    assert missing.status_code == 403 and "password" in missing.json()["detail"]
    refused = api(board).post(f"{url}refuse/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["detail"]
    done = api(board).post(f"{url}refuse/", {"comment": "Wait two days.", "password": PASSWORD}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "refused"
    assert done.json()["decision_comment"] == "Wait two days."
    late = api(board).post(f"{url}approve/", {"password": PASSWORD}, format="json")
    assert late.status_code == 409
    assert AuditEvent.objects.filter(action="freeze_exemption.refused").count() == 1
    assert AuditEvent.objects.filter(action="freeze_exemption.decision_refused").count() == 4


def test_an_approval_ends_with_its_window_and_needs_a_freeze_to_be_asked(freeze, ready, ds, board):
    exemption = exemptions.freeze_exemption_request(actor=ds, version=ready, reason=REASON)
    exemptions.freeze_exemption_approve(actor=board, exemption=exemption, password=PASSWORD)
    lifecycle.freeze_window_end(actor=person("freeze-admin", "platform_admin"), window=freeze, reason="Done early.")
    with pytest.raises(Conflict, match="No freeze"):
        exemptions.freeze_exemption_request(actor=ds, version=ready, reason=REASON)
    # A new freeze starts: the approval granted for the earlier one does not carry over.
    now = timezone.now()
    lifecycle.freeze_window_create(
        actor=person("freeze-admin", "platform_admin"), name="Second freeze", start=now, end=now + timedelta(days=1)
    )
    exemption.refresh_from_db()
    assert exemptions.effective_status(exemption) == "expired"
    with pytest.raises(Conflict, match="frozen until"):
        _promote(ds, ready)


def test_a_password_an_admin_set_cannot_approve(freeze, ready, ds, board):
    exemption = exemptions.freeze_exemption_request(actor=ds, version=ready, reason=REASON)
    root = person("root-freeze", "platform_admin")
    root.is_superuser = True
    root.save()
    accounts.user_set_password(actor=root, user=board, password="known-to-root")
    with pytest.raises(NotAllowed, match="set by root-freeze"):
        exemptions.freeze_exemption_approve(actor=board, exemption=exemption, password="known-to-root")
    with pytest.raises(ApplicationError):
        exemptions.freeze_exemption_refuse(actor=board, exemption=exemption, reason="", password="known-to-root")
    exemption.refresh_from_db()
    assert exemption.status == "requested"


def test_the_freeze_windows_page_lists_the_exemptions_waiting(freeze, ready, ds, board, client):
    exemption = exemptions.freeze_exemption_request(actor=ds, version=ready, reason=REASON)
    client.force_login(board)
    page = client.get("/governance/freeze-windows/").content.decode()
    assert f"/governance/freeze-exemptions/{exemption.pk}/" in page and 'data-testid="freeze-exemptions"' in page

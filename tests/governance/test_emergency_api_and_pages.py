"""The emergency path through the API, the pages and the admin: same rules, no bypass."""

import threading

import pytest
from django.db import connection

from governance import services
from governance.models import EmergencyRelease, PostImplementationReview
from lifecycle import services as lifecycle
from lifecycle.models import ModelVersion
from tests.governance.helpers import PASSWORD, person


def test_the_api_requests_approves_and_deploys_with_the_rules_in_words(deployable, ds, approvers, api, units):
    owner = api(ds)
    made = owner.post("/api/v1/emergency-releases/", {"version": deployable.pk, "reason": ""}, format="json")
    assert made.status_code == 400 and "reason" in made.json()["detail"]
    made = owner.post(
        "/api/v1/emergency-releases/",
        {"version": deployable.pk, "reason": "Outage", "status": "approved"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["status"] == "requested"
    url = f"/api/v1/emergency-releases/{made.json()['id']}/"
    signed = {"password": PASSWORD}
    assert owner.post(f"{url}approve/", signed, format="json").status_code == 403
    board = person("board-api", "review_board", units=(units["RETAIL"],))
    refused = api(board).post(f"{url}approve/", signed, format="json")
    assert refused.status_code == 403 and "emergency function" in refused.json()["detail"]
    assert api(approvers[0]).post(f"{url}approve/", {"comment": "ok", **signed}, format="json").status_code == 200
    twice = api(approvers[0]).post(f"{url}approve/", signed, format="json")
    assert twice.status_code == 409 and "already approved" in twice.json()["detail"]
    early = owner.post(f"{url}deploy/", signed, format="json")
    assert early.status_code == 409
    assert "emergency release valid" in {g["gate"] for g in early.json()["errors"]["failed_gates"]}
    assert api(approvers[1]).post(f"{url}approve/", signed, format="json").json()["status"] == "approved"
    done = owner.post(f"{url}deploy/", {"reason": "Go", **signed}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "released"
    pir_id = done.json()["post_implementation_review"]
    validator = person("validator-api", "review_board", "sign_off_validation", units=(units["RETAIL"],))
    pir_url = f"/api/v1/post-implementation-reviews/{pir_id}/"
    assert (
        api(ds).post(f"{pir_url}complete/", {"outcome": "confirmed", "findings": "x"}, format="json").status_code == 403
    )
    completed = api(validator).post(f"{pir_url}complete/", {"outcome": "confirmed", "findings": "Held."}, format="json")
    assert completed.status_code == 200 and completed.json()["status"] == "completed"


def test_the_model_page_offers_the_request_to_owners_and_the_decision_to_approvers(
    deployable,
    ds,
    approvers,
    client,
):
    page = f"/lifecycle/models/{deployable.model_id}/"
    client.force_login(ds)
    assert "Request an emergency release of v1" in client.get(page).content.decode()
    response = client.post(f"/governance/versions/{deployable.pk}/emergency-release/", {"reason": "Outage in EU"})
    release = EmergencyRelease.objects.get(version=deployable)
    assert response.status_code == 302 and response.url.endswith(f"/emergency-releases/{release.pk}/")
    client.force_login(approvers[0])
    body = client.get(page).content.decode()
    assert "Outage in EU" in body and 'data-testid="emergency-decide"' in body
    detail = client.get(f"/governance/emergency-releases/{release.pk}/").content.decode()
    assert 'type="password"' in detail and "needs your password" in detail
    client.post(f"/governance/emergency-releases/{release.pk}/", {"step": "approve", "password": PASSWORD})
    client.force_login(approvers[1])
    client.post(f"/governance/emergency-releases/{release.pk}/", {"step": "approve", "password": PASSWORD})
    release.refresh_from_db()
    assert release.status == "approved"
    client.force_login(ds)
    client.post(f"/governance/emergency-releases/{release.pk}/", {"step": "deploy", "password": PASSWORD})
    assert ModelVersion.objects.get(pk=deployable.pk).stage == "production"
    pir = PostImplementationReview.objects.get(release=release)
    assert f"/governance/post-implementation-reviews/{pir.pk}/" in client.get("/governance/reviews/").content.decode()


def test_a_page_post_by_someone_without_the_function_changes_nothing(requested, ds, client, units):
    board = person("board-page", "review_board", units=(units["RETAIL"],))
    client.force_login(board)
    response = client.post(
        f"/governance/emergency-releases/{requested.pk}/", {"step": "approve", "password": PASSWORD}, follow=True
    )
    assert "Only holders of the emergency function" in response.content.decode()
    requested.refresh_from_db()
    assert requested.first_approver is None


def test_an_approval_without_the_right_password_is_refused_audited_and_records_nothing(
    requested, approvers, ds, api, client
):
    """An emergency approval re-authenticates as a sign-off does (issue 20, finding 2)."""
    from audit.models import AuditEvent
    from core.lockout import SIGN_REAUTH_FAILED

    url = f"/api/v1/emergency-releases/{requested.pk}/approve/"
    missing = api(approvers[0]).post(url, {"comment": "ok"}, format="json")
    assert missing.status_code == 403 and "password" in missing.json()["detail"]
    wrong = api(approvers[0]).post(url, {"comment": "ok", "password": "not-it"}, format="json")
    assert wrong.status_code == 403 and "password is wrong" in wrong.json()["detail"]
    client.force_login(approvers[1])
    page = client.post(
        f"/governance/emergency-releases/{requested.pk}/", {"step": "approve", "password": "nope"}, follow=True
    )
    assert "password is wrong" in page.content.decode()
    requested.refresh_from_db()
    assert (requested.status, requested.first_approver, requested.second_approver) == ("requested", None, None)
    assert AuditEvent.objects.filter(action=SIGN_REAUTH_FAILED).count() == 2
    refusals = AuditEvent.objects.filter(action="emergency_release.approval_refused", target_id=str(requested.pk))
    assert refusals.count() == 3
    assert not AuditEvent.objects.filter(action__startswith="emergency_release.approved").exists()
    assert api(approvers[0]).post(url, {"password": PASSWORD}, format="json").json()["first_approver"] == "em-one"


def test_the_pir_page_completes_with_an_outcome(approved, ds, client, units):
    services.emergency_release_deploy(actor=ds, release=approved, password=PASSWORD)
    pir = PostImplementationReview.objects.get(release=approved)
    validator = person("validator-page", "review_board", "sign_off_validation", units=(units["RETAIL"],))
    client.force_login(validator)
    url = f"/governance/post-implementation-reviews/{pir.pk}/"
    from django.urls import reverse

    board = client.get(reverse("dashboards:review_board")).content.decode()
    assert url in board  # the review board dashboard lists the open review
    assert 'data-testid="pir-complete"' in client.get(url).content.decode()
    client.post(url, {"outcome": "", "findings": "x"})
    pir.refresh_from_db()
    assert pir.status == "open"
    client.post(url, {"outcome": "needs_remediation", "findings": "Retrain with March data."})
    pir.refresh_from_db()
    assert pir.status == "completed" and pir.completed_by == validator


def test_the_admin_shows_emergency_releases_read_only(requested, admin_client):
    base = "/admin/governance/emergencyrelease/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(f"{base}add/").status_code == 403
    response = admin_client.post(f"{base}{requested.pk}/change/", {"status": "approved"})
    assert response.status_code in (302, 403) or "readonly" in response.content.decode()
    requested.refresh_from_db()
    assert requested.status == "requested"
    assert admin_client.get(f"{base}{requested.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/governance/postimplementationreview/add/").status_code == 403


def _reseed():
    from tests.governance.test_concurrency_and_demo import _reseed as reseed

    reseed()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_second_approvals_give_one_consistent_state(units):
    from portfolio import services as portfolio
    from tests.governance.conftest import MEDIUM_ANSWERS, submit
    from tests.governance.helpers import LOW_ANSWERS, approve_assessment

    _reseed()
    ds = person("ds", "data_scientist", units=(units["RETAIL"],))
    pm = person("pm", "program_manager", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud scoring", business_unit=units["RETAIL"])
    model = lifecycle.model_register(actor=ds, name="fraud-scorer", use_case=use_case)
    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})
    version = submit(ds, model)
    release = services.emergency_release_request(actor=ds, version=version, reason="Outage")
    first, second, third = (
        person(f"em-{n}", "review_board", "emergency_approver", units=(units["RETAIL"],)) for n in range(3)
    )
    services.emergency_release_approve(actor=first, release=release, password=PASSWORD)
    start, errors = threading.Barrier(2), []

    def approve(user):
        try:
            start.wait(timeout=10)
            services.emergency_release_approve(actor=user, release=release, password=PASSWORD)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (second, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    release.refresh_from_db()
    assert release.status == "approved" and release.first_approver == first
    assert release.second_approver in (second, third)
    assert len(errors) == 1 and "already has both approvals" in str(errors[0])

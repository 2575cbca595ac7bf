"""Retraining requests: opened by hand (owners and admins), by an alert whose rule says so (exactly once per
alert), by a schedule (idempotent); started, answered by a new version or declined; scoped like their model."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import services as lifecycle
from monitoring import retraining, services
from monitoring.models import Alert, MetricDefinition, RetrainingRequest, RetrainingSchedule
from notifications.models import Notification
from tests.monitoring.factories import series_of, store, version_of


@pytest.fixture
def people(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    colleague = make_user("ds_same_unit", "data_scientist", units=(units["RETAIL"],))
    outsider = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    admin = make_user("admin", "platform_admin")
    return pm, ds, colleague, outsider, admin


@pytest.fixture
def version(people, units):
    pm, ds, *_ = people
    return version_of(pm=pm, ds=ds, unit=units["RETAIL"])


def _open(actor, version, notes="AUC slipped after the pricing change"):
    return retraining.retraining_request_open(actor=actor, model=version.model, notes=notes)


# --- Opening by hand ----------------------------------------------------------------------------------------


def test_an_owner_opens_a_request_audited_and_owners_are_told(people, version):
    _, ds, *_ = people
    request = _open(ds, version)
    assert (request.status, request.trigger, request.requested_by) == ("open", "manual", ds)
    assert AuditEvent.objects.filter(action="retraining_request.opened", target_id=str(request.pk)).exists()
    assert Notification.objects.filter(recipient=ds, subject__startswith="Retraining requested").exists()


def test_only_owners_and_admins_open_one(people, version):
    pm, ds, colleague, outsider, admin = people
    for who in (colleague, outsider, pm):
        with pytest.raises(NotAllowed):
            _open(who, version)
    assert _open(admin, version).requested_by == admin
    with pytest.raises(ApplicationError):
        _open(ds, version, notes="  ")


def test_a_confidential_model_is_not_there_for_another_unit(people, units, client, api):
    pm, ds, _, outsider, _ = people
    secret = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="secret", confidential=True)
    request = _open(ds, secret)
    assert api(outsider).get("/api/v1/retraining-requests/").json()["count"] == 0
    assert api(outsider).post(f"/api/v1/retraining-requests/{request.pk}/start/", {}).status_code == 404
    client.force_login(outsider)
    assert "secret" not in client.get("/monitoring/retraining/?status=all").content.decode()
    assert client.post(f"/monitoring/retraining/{request.pk}/start/", {}).status_code == 404


# --- From an alert ----------------------------------------------------------------------------------------


def test_a_retrain_rule_opens_exactly_one_request_per_alert(people, version):
    _, ds, *_ = people
    services.alert_rule_create(
        actor=ds,
        name="AUC too low",
        metric=MetricDefinition.objects.get(name="auc"),
        scope_kind="model",
        model=version.model,
        condition="below",
        threshold=0.8,
        action="retrain",
    )
    series = series_of(version, metric="auc")
    store(series, [0.9, 0.7])
    store(series, [0.6, 0.65], start=2)  # the same alert again: updated, no new request
    alert = Alert.objects.get()
    assert alert.breaches == 3
    request = RetrainingRequest.objects.get()
    assert (request.trigger, request.alert, request.model) == ("alert", alert, version.model)
    services.alert_resolve(actor=ds, alert=alert, root_cause="concept_drift", note="retraining")
    store(series, [0.5], start=4)  # a new alert opens: a new request for it
    assert Alert.objects.count() == 2 and RetrainingRequest.objects.count() == 2


def test_a_notify_rule_opens_no_request(people, version):
    _, ds, *_ = people
    services.alert_rule_create(
        actor=ds,
        name="AUC too low",
        metric=MetricDefinition.objects.get(name="auc"),
        scope_kind="model",
        model=version.model,
        condition="below",
        threshold=0.8,
    )
    store(series_of(version, metric="auc"), [0.7])
    assert Alert.objects.count() == 1 and not RetrainingRequest.objects.exists()


# --- Working a request ------------------------------------------------------------------------------------


def test_start_then_a_new_version_answers_it(people, version):
    _, ds, colleague, *_ = people
    request = _open(ds, version)
    with pytest.raises(NotAllowed):
        retraining.retraining_request_start(actor=colleague, request=request)
    request = retraining.retraining_request_start(actor=ds, request=request, note="on it")
    assert request.status == "in_progress" and request.started_at is not None
    with pytest.raises(Conflict):
        retraining.retraining_request_start(actor=ds, request=request)
    with pytest.raises(ApplicationError):  # registered before the request: not an answer
        retraining.retraining_request_link_version(actor=ds, request=request, version=version)
    new = lifecycle.model_version_register(actor=ds, model=version.model, version="2")
    assert retraining.open_requests_for_new_version(new) == [request]
    told = Notification.objects.filter(recipient=ds, subject__contains="may answer 1 retraining request")
    assert told.count() == 1
    done = retraining.retraining_request_link_version(actor=ds, request=request, version=new)
    assert (done.status, done.answered_by) == ("done", new)
    assert AuditEvent.objects.filter(action="retraining_request.done").count() == 1


def test_a_version_of_another_model_does_not_answer(people, units, version):
    pm, ds, *_ = people
    request = _open(ds, version)
    other = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="other")
    with pytest.raises(ApplicationError, match="not a version of"):
        retraining.retraining_request_link_version(actor=ds, request=request, version=other)


def test_decline_needs_a_reason_and_closes_it(people, version):
    _, ds, _, _, admin = people
    request = _open(ds, version)
    with pytest.raises(ApplicationError):
        retraining.retraining_request_decline(actor=ds, request=request, reason="")
    declined = retraining.retraining_request_decline(actor=admin, request=request, reason="drift is seasonal")
    assert (declined.status, declined.decline_reason) == ("declined", "drift is seasonal")
    with pytest.raises(Conflict):
        retraining.retraining_request_decline(actor=ds, request=declined, reason="again")


# --- Schedules ---------------------------------------------------------------------------------------------


def test_the_schedule_opens_one_request_when_due_and_running_again_opens_nothing(people, version):
    _, ds, *_ = people
    schedule = retraining.retraining_schedule_set(actor=ds, model=version.model, every_days=30)
    today = timezone.localdate()
    assert schedule.next_due == today + timedelta(days=30)
    assert retraining.retraining_schedules_run(today=today) == {"opened": 0}  # not due yet
    due = schedule.next_due
    assert retraining.retraining_schedules_run(today=due) == {"opened": 1}
    assert retraining.retraining_schedules_run(today=due) == {"opened": 0}
    request = RetrainingRequest.objects.get()
    assert request.trigger == "schedule"
    schedule.refresh_from_db()
    assert schedule.next_due == due + timedelta(days=30)
    # Due again while the first one still waits: no second scheduled request, the date moves on.
    assert retraining.retraining_schedules_run(today=schedule.next_due) == {"opened": 0}
    new = lifecycle.model_version_register(actor=ds, model=version.model, version="2")
    retraining.retraining_request_link_version(actor=ds, request=request, version=new)
    schedule.refresh_from_db()
    assert retraining.retraining_schedules_run(today=schedule.next_due) == {"opened": 1}


def test_only_owners_and_admins_set_a_schedule(people, version):
    _, _, colleague, _, admin = people
    with pytest.raises(NotAllowed):
        retraining.retraining_schedule_set(actor=colleague, model=version.model, every_days=7)
    with pytest.raises(ApplicationError):
        retraining.retraining_schedule_set(actor=admin, model=version.model, every_days=0)
    assert retraining.retraining_schedule_set(actor=admin, model=version.model, every_days=7).every_days == 7
    assert RetrainingSchedule.objects.count() == 1


# --- API and page ---------------------------------------------------------------------------------------------


def test_api_opens_and_works_a_request(people, version, api):
    _, ds, colleague, *_ = people
    client = api(ds)
    url = "/api/v1/retraining-requests/"
    created = client.post(url, {"model": version.model_id, "notes": "drifting"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api(colleague).post(f"{url}{pk}/start/", {}, format="json").status_code == 403
    assert client.post(f"{url}{pk}/start/", {"note": "go"}, format="json").json()["status"] == "in_progress"
    refused = client.post(f"{url}{pk}/decline/", {"reason": ""}, format="json")
    assert refused.status_code == 400
    new = lifecycle.model_version_register(actor=ds, model=version.model, version="2")
    done = client.post(f"{url}{pk}/link/", {"version": new.pk}, format="json")
    assert done.json()["status"] == "done" and done.json()["answered_by"] == new.pk
    assert client.get(f"{url}?status=done").json()["count"] == 1


def test_api_list_runs_constant_queries(people, units, api):
    pm, ds, *_ = people
    client = api(ds)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/retraining-requests/").status_code == 200
        return len(queries)

    _open(ds, version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="first"))
    count()
    few = count()
    for n in range(4):
        _open(ds, version_of(pm=pm, ds=ds, unit=units["RETAIL"], name=f"more{n}"))
    assert count() == few


def test_page_lists_requests_with_forms_and_acts(people, version, client):
    _, ds, colleague, *_ = people
    request = _open(ds, version)
    client.force_login(ds)
    page = client.get("/monitoring/retraining/").content.decode()
    assert f"/monitoring/retraining/{request.pk}/start/" in page and "csrfmiddlewaretoken" in page
    assert 'data-testid="retraining-open-form"' in page
    client.post(f"/monitoring/retraining/{request.pk}/start/", {"note": "on it"})
    request.refresh_from_db()
    assert request.status == "in_progress"
    client.post(f"/monitoring/retraining/{request.pk}/decline/", {"reason": "not worth it"})
    request.refresh_from_db()
    assert request.status == "declined"
    client.post("/monitoring/retraining/open/", {"model": version.model_id, "notes": "again"})
    assert RetrainingRequest.objects.filter(status="open").count() == 1
    client.force_login(colleague)  # same unit, not an owner: sees it, no action
    page = client.get("/monitoring/retraining/").content.decode()
    assert "again" in page and "/start/" not in page


def test_page_queries_stay_constant(people, units, client):
    pm, ds, *_ = people
    client.force_login(ds)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/monitoring/retraining/").status_code == 200
        return len(queries)

    _open(ds, version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="first"))
    count()
    few = count()
    for n in range(4):
        _open(ds, version_of(pm=pm, ds=ds, unit=units["RETAIL"], name=f"more{n}"))
    assert count() == few


def test_page_sets_a_schedule_for_owners_only(people, version, client):
    _, ds, colleague, *_ = people
    client.force_login(colleague)
    client.post("/monitoring/retraining/schedule/", {"model": version.model_id, "every_days": 30, "active": "on"})
    assert not RetrainingSchedule.objects.exists()
    client.force_login(ds)
    client.post("/monitoring/retraining/schedule/", {"model": version.model_id, "every_days": 30, "active": "on"})
    schedule = RetrainingSchedule.objects.get()
    assert (schedule.every_days, schedule.active) == (30, True)
    page = client.get("/monitoring/retraining/").content.decode()
    assert 'data-testid="retraining-schedule-form"' in page and schedule.next_due.isoformat() in page

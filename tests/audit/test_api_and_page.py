"""The audit trail as people and programs read it: API, verify endpoint, page with filters, CSV."""

import csv
import io

import pytest

from audit.models import AuditEvent
from audit.tasks import verify_chain
from portfolio import services as portfolio
from tests.audit.helpers import tamper


@pytest.fixture
def trail(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    open_case = portfolio.use_case_create(actor=pm, title="Open case", business_unit=units["RETAIL"])
    secret = portfolio.use_case_create(actor=pm, title="Secret case", business_unit=units["RETAIL"], confidential=True)
    portfolio.use_case_update(actor=pm, use_case=open_case, title="Open case v2", reason="clearer title")
    return {"pm": pm, "open": open_case, "secret": secret}


def test_service_writes_leave_events_with_before_and_after(trail):
    event = AuditEvent.objects.get(action="use_case.updated")
    assert event.changes == {"title": ["Open case", "Open case v2"]}
    assert event.reason == "clearer title"
    assert event.actor_name == "pm"
    assert event.business_unit_id == trail["open"].business_unit_id


def test_the_api_lists_events_with_the_contract_fields(trail, make_user, api):
    body = api(make_user("boss", "executive")).get("/api/v1/audit-events/?action=use_case.").json()
    assert body["count"] == 3
    row = body["results"][0]
    assert {"id", "at", "actor", "action", "target_type", "target_id", "changes", "prev_hash", "hash"} <= set(row)
    assert row["action"] == "use_case.updated" and row["actor"] == "pm"


def test_roles_without_the_audit_permission_get_403(trail, api):
    assert api(trail["pm"]).get("/api/v1/audit-events/").status_code == 403
    assert api(trail["pm"]).get("/api/v1/audit-events/verify/").status_code == 403


def test_the_verify_endpoint_reports_an_intact_chain(trail, make_user, api):
    body = api(make_user("boss", "executive")).get("/api/v1/audit-events/verify/").json()
    assert body["ok"] is True and body["checked"] >= 3 and body["first_bad_seq"] is None


def test_the_api_is_read_only(trail, make_user, api):
    client = api(make_user("root", "platform_admin"))
    assert client.post("/api/v1/audit-events/", {"action": "forged"}, format="json").status_code == 405
    assert client.delete("/api/v1/audit-events/1/").status_code == 405


def test_the_page_filters_by_actor_action_and_target(trail, make_user, client):
    client.force_login(make_user("boss", "executive"))
    page = client.get("/audit/?actor=pm&action=use_case.updated").content.decode()
    assert "Open case v2" in page and "use_case.created" not in page
    page = client.get("/audit/?target=Secret").content.decode()
    assert "Secret case" in page and "Open case" not in page


def test_the_page_rejects_a_bad_date_with_a_message(trail, make_user, client):
    client.force_login(make_user("boss", "executive"))
    page = client.get("/audit/?since=yesterday").content.decode()
    assert "Enter a valid date" in page


def test_csv_export_holds_every_matching_event(trail, make_user, client):
    client.force_login(make_user("boss", "executive"))
    response = client.get("/audit/?action=use_case.&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["use_case.updated", "use_case.created", "use_case.created"]
    assert rows[0]["hash"] and rows[0]["prev_hash"]


def test_the_page_is_closed_to_roles_without_the_permission(trail, client):
    client.force_login(trail["pm"])
    assert client.get("/audit/").status_code == 403


def test_the_daily_verification_task_flags_a_break(trail):
    assert verify_chain.delay().get()["ok"] is True
    victim = AuditEvent.objects.get(action="use_case.updated")
    tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["innocent", victim.pk])
    report = verify_chain.delay().get()
    assert report["ok"] is False and report["first_bad_id"] == victim.pk
    alarm = AuditEvent.objects.get(action="audit.chain_broken")
    assert f"#{victim.seq}" in alarm.reason

"""RELIABILITY T20: decommissioned models stay in the inventory with their history; the purge, time-travelled,
deletes expired operational logs only (never documentation, never a log younger than the policy), logs its own
runs and stops for legal holds; the database refuses to delete governed records."""

import importlib
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from audit import retention
from audit.models import AuditEvent, LegalHold, PurgeRun
from compliance import services as compliance_services
from compliance.models import Control
from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import decommissioning
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import AIModel, DecommissionPlan
from monitoring.models import WEBHOOK_MAX_ATTEMPTS, SyncRun, WebhookDelivery, WebhookEndpoint
from notifications.models import Notification
from portfolio import services as portfolio
from tests.governance.helpers import approve_version, person, signer_for
from tests.lifecycle.helpers import DECOMMISSION_CHECKLIST as CHECKLIST

GOVERNED_TABLES = importlib.import_module("governance.migrations.0014_governed_records_not_deleted").GOVERNED_TABLES
GOVERNED_MODELS = {
    model._meta.db_table: model for model in apps.get_models() if model._meta.db_table in GOVERNED_TABLES
}


def _documentation_counts() -> dict[str, int]:
    return {table: model.objects.count() for table, model in GOVERNED_MODELS.items()}


def _ago(**delta):
    return timezone.now() - timedelta(**delta)


@pytest.fixture
def compliance(db):
    return person("compliance", "sign_off_compliance")


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(
        name="Ops channel", url="https://hooks.example.com/x", events=["*"], secret="s"
    )


def _delivery(endpoint, *, at, model=None, delivered=True, attempts=1) -> WebhookDelivery:
    payload = {"event": "alert.opened", **({"model": {"id": model.pk, "name": model.name}} if model else {})}
    with time_machine.travel(at):
        return WebhookDelivery.objects.create(
            endpoint=endpoint,
            event="alert.opened",
            payload=payload,
            attempts=attempts,
            delivered_at=timezone.now() if delivered else None,
        )


@pytest.fixture
def logs(ds, model, endpoint):
    """Operational logs on both sides of the 6-month line, and governed documentation 9 years old."""
    reader = ds
    made = {}
    for name, read_ago in (("old_read", 200), ("recent_read", 150), ("old_unread", None)):
        with time_machine.travel(_ago(days=read_ago or 400)):
            note = Notification.objects.create(recipient=reader, subject=name)
            if read_ago:
                Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
        made[name] = note
    made["old_delivery"] = _delivery(endpoint, at=_ago(days=200))
    made["old_failed_delivery"] = _delivery(endpoint, at=_ago(days=200), delivered=False, attempts=WEBHOOK_MAX_ATTEMPTS)
    made["old_pending_delivery"] = _delivery(endpoint, at=_ago(days=200), delivered=False)
    made["old_model_delivery"] = _delivery(endpoint, at=_ago(days=200), model=model)
    made["recent_delivery"] = _delivery(endpoint, at=_ago(days=170))
    for name, days in (("oldest_run", 400), ("old_run", 300), ("latest_run", 250)):
        with time_machine.travel(_ago(days=days)):
            made[name] = SyncRun.objects.create(status="succeeded", finished_at=timezone.now())
    made["old_session"] = Session.objects.create(session_key="old" * 10, session_data="", expire_date=_ago(days=190))
    made["recent_session"] = Session.objects.create(session_key="new" * 10, session_data="", expire_date=_ago(days=1))
    with time_machine.travel(_ago(days=9 * 365)):
        old_case = portfolio.use_case_create(
            actor=person("pm-2017", "program_manager", units=(model.use_case.business_unit,)),
            title="Old churn model",
            business_unit=model.use_case.business_unit,
        )
        lifecycle.model_register(actor=ds, name="churn-2017", use_case=old_case)
    return made


def _exists(obj) -> bool:
    return type(obj).objects.filter(pk=obj.pk).exists()


# --- The purge ------------------------------------------------------------------------------------------------


def test_the_purge_deletes_expired_logs_only_and_records_its_run(logs):
    documentation = _documentation_counts()
    events_before = AuditEvent.objects.count()

    run = retention.purge_expired()

    assert run.status == PurgeRun.Status.COMPLETED
    assert run.deleted == {"sessions": 1, "notifications": 1, "webhook_deliveries": 3, "sync_runs": 2}
    assert run.policy == {"documentation_days": 3653, "log_days": 184}
    gone = {"old_read", "old_delivery", "old_failed_delivery", "old_model_delivery", "oldest_run", "old_run"}
    gone.add("old_session")
    assert {name for name, obj in logs.items() if not _exists(obj)} == gone
    # Younger than 6 months, unread, still being delivered, or the last sync run: kept.
    assert _exists(logs["recent_read"]) and _exists(logs["recent_delivery"]) and _exists(logs["recent_session"])
    assert _exists(logs["old_unread"]) and _exists(logs["old_pending_delivery"]) and _exists(logs["latest_run"])
    # Not one documentation record goes, 9 years old or new; the trail grows by the run's own event.
    assert _documentation_counts() == documentation
    assert AIModel.objects.filter(name="churn-2017").exists()
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.get(action="retention.purged")
    assert event.actor_name == "system" and event.target_id == str(run.pk)
    assert event.changes["deleted"][1]["webhook_deliveries"] == 3
    # A second run finds nothing more.
    assert sum(retention.purge_expired().deleted.values()) == 0


def test_a_dry_run_counts_without_deleting_and_the_command_reports(logs, capsys):
    call_command("purge_expired", "--dry-run")
    run = PurgeRun.objects.get()
    assert run.dry_run and run.deleted["webhook_deliveries"] == 3
    assert all(_exists(obj) for obj in logs.values())
    assert "Finished webhook deliveries: would delete 3" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="retention.purge_previewed").count() == 1
    call_command("purge_expired")
    assert not _exists(logs["old_delivery"])


def test_the_task_is_scheduled_daily(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="audit.purge_expired")
    assert (task.interval.every, task.interval.period) == (1, "days")


# --- Legal holds ----------------------------------------------------------------------------------------------


def test_a_hold_on_a_model_keeps_its_logs_until_released(logs, model, compliance):
    hold = retention.legal_hold_place(
        actor=compliance, scope="model", target_id=model.pk, reason="Litigation 2026-114: card fraud disputes."
    )
    run = retention.purge_expired()
    assert run.held["webhook_deliveries"] == 1 and run.deleted["webhook_deliveries"] == 2
    assert _exists(logs["old_model_delivery"]) and not _exists(logs["old_delivery"])

    retention.legal_hold_release(actor=compliance, hold=hold, reason="Case settled on 3 March.")
    run = retention.purge_expired()
    assert run.deleted["webhook_deliveries"] == 1 and run.held["webhook_deliveries"] == 0
    assert not _exists(logs["old_model_delivery"])
    placed, released = AuditEvent.objects.filter(action__startswith="legal_hold.").order_by("seq")
    assert (placed.action, placed.reason) == ("legal_hold.placed", "Litigation 2026-114: card fraud disputes.")
    assert released.action == "legal_hold.released" and released.actor_name == "compliance"


def test_a_hold_on_a_use_case_covers_its_models(logs, use_case, compliance):
    retention.legal_hold_place(actor=compliance, scope="use_case", target_id=use_case.pk, reason="Regulator inquiry.")
    retention.purge_expired()
    assert _exists(logs["old_model_delivery"]) and not _exists(logs["old_delivery"])


def test_a_hold_on_everything_stops_the_purge(logs, compliance):
    hold = retention.legal_hold_place(actor=compliance, scope="all", reason="Records freeze ordered by the court.")
    run = retention.purge_expired()
    assert run.status == PurgeRun.Status.HELD and run.deleted == {} and run.finished_at is not None
    assert all(_exists(obj) for obj in logs.values())
    assert AuditEvent.objects.get(action="retention.purged").changes["status"][1] == "held"
    with pytest.raises(CommandError, match="legal hold on everything is active"):
        call_command("purge_expired")

    retention.legal_hold_release(actor=compliance, hold=hold, reason="Order lifted.")
    assert retention.purge_expired().deleted["notifications"] == 1


def test_only_holders_of_the_permission_place_holds_and_each_is_placed_once(logs, ds, model, compliance):
    with pytest.raises(NotAllowed, match="legal-hold permission"):
        retention.legal_hold_place(actor=ds, scope="all", reason="I want to keep everything.")
    with pytest.raises(ApplicationError, match="reason: say which matter"):
        retention.legal_hold_place(actor=compliance, scope="model", target_id=model.pk, reason=" ")
    with pytest.raises(ApplicationError, match="target_id: there is no model with id 999999"):
        retention.legal_hold_place(actor=compliance, scope="model", target_id=999999, reason="x")
    retention.legal_hold_place(actor=compliance, scope="model", target_id=model.pk, reason="Case A.")
    with pytest.raises(Conflict, match="already active"):
        retention.legal_hold_place(actor=compliance, scope="model", target_id=model.pk, reason="Case B.")
    assert LegalHold.objects.count() == 1


def test_holds_through_the_api(model, ds, compliance, api):
    refused = api(ds).post("/api/v1/legal-holds/", {"scope": "all", "reason": "keep"}, format="json")
    assert refused.status_code == 403
    placed = api(compliance).post(
        "/api/v1/legal-holds/", {"scope": "model", "target_id": model.pk, "reason": "Case A."}, format="json"
    )
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["target_repr"], body["active"], body["placed_by"]) == (str(model), True, "compliance")
    bad = api(compliance).post("/api/v1/legal-holds/", {"scope": "everything", "reason": "x"}, format="json")
    assert bad.status_code == 400 and "scope" in bad.json()
    released = api(compliance).post(f"/api/v1/legal-holds/{body['id']}/release/", {"reason": "Done."}, format="json")
    assert released.status_code == 200 and released.json()["active"] is False
    again = api(compliance).post(f"/api/v1/legal-holds/{body['id']}/release/", {"reason": "Done."}, format="json")
    assert again.status_code == 409 and "already released" in again.json()["detail"]
    assert api(compliance).delete(f"/api/v1/legal-holds/{body['id']}/").status_code == 405
    retention.purge_expired(actor=compliance)
    runs = api(compliance).get("/api/v1/purge-runs/").json()["results"]
    assert runs[0]["actor"] == "compliance" and runs[0]["status"] == "completed"
    assert api(ds).get("/api/v1/purge-runs/").status_code == 403


def test_a_hold_on_a_record_someone_may_not_see_is_hidden_from_them(model, api, units):
    AIModel.objects.filter(pk=model.pk).update(confidential=True)
    retail = person("retail-compliance", "sign_off_compliance", units=(units["RETAIL"],))
    corp = person("corp-compliance", "sign_off_compliance", units=(units["CORP"],))
    with pytest.raises(ApplicationError, match=f"target_id: there is no model with id {model.pk} that you may see"):
        retention.legal_hold_place(actor=corp, scope="model", target_id=model.pk, reason="Case A.")
    retention.legal_hold_place(actor=retail, scope="model", target_id=model.pk, reason="Case A.")
    retention.legal_hold_place(actor=corp, scope="all", reason="Records freeze.")
    assert [h["scope"] for h in api(corp).get("/api/v1/legal-holds/").json()["results"]] == ["all"]
    assert len(api(retail).get("/api/v1/legal-holds/").json()["results"]) == 2


# --- Policy ---------------------------------------------------------------------------------------------------


def test_a_policy_may_lengthen_retention_never_shorten_it(logs, settings):
    settings.RETENTION_LOG_DAYS = 30
    with pytest.raises(ImproperlyConfigured, match=r"RETENTION_LOG_DAYS is 30, below the floor of 184 days"):
        retention.purge_expired()
    assert PurgeRun.objects.count() == 0 and _exists(logs["recent_read"])
    settings.RETENTION_LOG_DAYS, settings.RETENTION_DOCUMENTATION_DAYS = 184, 365
    with pytest.raises(ImproperlyConfigured, match="RETENTION_DOCUMENTATION_DAYS is 365, below the floor of 3653"):
        retention.purge_expired()
    # A tenant's longer policy: a log 200 days old is kept for a year.
    settings.RETENTION_DOCUMENTATION_DAYS, settings.RETENTION_LOG_DAYS = 3653 * 2, 365
    run = retention.purge_expired()
    assert run.policy["log_days"] == 365 and run.deleted["webhook_deliveries"] == 0
    assert _exists(logs["old_delivery"])


def test_lodestar_refuses_to_start_with_a_shorter_policy():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "RETENTION_LOG_DAYS": "90"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "RETENTION_LOG_DAYS is 90, below the floor of 184 days" in result.stderr


# --- Decommissioned models stay, with their history -------------------------------------------------------------


@pytest.fixture
def retired(pending, ds, model, use_case, django_capture_on_commit_callbacks):
    """The submitted version approved, deployed, then the model decommissioned the whole way and retired."""
    approve_version(pending)
    lifecycle.deployment_record(actor=ds, version=pending, environment="production")
    lifecycle.model_version_transition(actor=ds, version=pending, to_stage=Stage.PRODUCTION, reason="go live")
    plan = decommissioning.decommission_plan_create(
        actor=ds, model=model, reason="no_longer_needed", sunset_date=timezone.localdate() + timedelta(days=120)
    )
    decommissioning.decommission_plan_approve(actor=ds, plan=plan, as_role="owner")
    decommissioning.decommission_plan_approve(actor=person("validator", "review_board"), plan=plan, as_role="validator")
    for function in plan.required_functions:
        decommissioning.decommission_plan_approve(
            actor=signer_for(function["code"]), plan=plan, as_role=function["code"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        decommissioning.decommission_plan_announce(actor=ds, plan=plan)
    with time_machine.travel(plan.sunset_date + timedelta(days=1)):
        decommissioning.decommission_checklist_update(actor=ds, plan=plan, **CHECKLIST)
        decommissioning.decommission_retire(actor=ds, plan=plan)
    pending.refresh_from_db()
    assert pending.stage == Stage.RETIRED
    return pending


def test_a_retired_model_stays_in_the_inventory_with_its_history(retired, model, ds, api):
    retention.purge_expired()
    client = api(ds)
    listed = client.get("/api/v1/models/").json()["results"]
    assert model.pk in [row["id"] for row in listed]
    assert client.get(f"/api/v1/models/{model.pk}/").status_code == 200
    version = client.get(f"/api/v1/model-versions/{retired.pk}/").json()
    assert version["stage"] == "retired"
    stages = [row["to_stage"] for row in client.get(f"/api/v1/model-versions/{retired.pk}/transitions/").json()]
    # Newest first: the whole walk from registration to retirement.
    assert stages[:3] == ["retired", "deprecated", "production"] and stages[-1] == "in_validation"
    reviews = client.get("/api/v1/reviews/", {"version": retired.pk}).json()["results"]
    assert [r["status"] for r in reviews] == ["approved"]
    auditor = person("auditor", "executive")
    actions = {e["action"] for e in api(auditor).get("/api/v1/audit-events/", {"page_size": 200}).json()["results"]}
    assert {"decommission.retired", "model_version.transitioned"} <= actions
    assert DecommissionPlan.objects.get(model=model).status == DecommissionPlan.Status.RETIRED


# --- The database refuses hard deletes --------------------------------------------------------------------------


def test_every_governed_table_has_its_delete_guard(postgresql_only, db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname = c.relname || '_no_delete'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert guarded == set(GOVERNED_TABLES)
    assert set(GOVERNED_MODELS) == set(GOVERNED_TABLES)


def test_governed_records_cannot_be_deleted_by_the_orm_or_raw_sql(postgresql_only, retired, use_case, ds):
    portfolio.use_case_transition(actor=person("pm"), use_case=use_case, to_status="assessing", reason="Scoping.")
    compliance_services.evidence_submit(
        actor=ds, control=Control.objects.get(code="CTL-01"), use_case=use_case, kind="text", text="In place."
    )
    counts = _documentation_counts()
    assert all(counts.values()), f"every governed table should hold a row to try: {counts}"
    reached_database = set()
    for table, model in GOVERNED_MODELS.items():
        row = model.objects.order_by("-pk").first()
        with pytest.raises(IntegrityError, match=f"{table}: governed records are retired, not deleted"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [row.pk])
        # The ORM stops at a protected dependant first, or reaches the database and is refused there.
        with pytest.raises((IntegrityError, ProtectedError)) as refused:
            with transaction.atomic():
                model.objects.filter(pk=row.pk).delete()
        if refused.type is IntegrityError:
            assert f"{table}: governed records are retired, not deleted" in str(refused.value)
            reached_database.add(table)
    # Records nothing depends on pass Django's checks: the database alone refuses them.
    leaves = {"governance_signoff", "lifecycle_stagetransition", "portfolio_usecasetransition"}
    assert leaves <= reached_database
    assert _documentation_counts() == counts


def test_the_retention_page_shows_policy_holds_and_runs(client, compliance, ds, model):
    retention.legal_hold_place(actor=compliance, scope="model", target_id=model.pk, reason="Litigation 2026-114.")
    retention.purge_expired(actor=compliance)
    client.force_login(compliance)
    page = client.get("/audit/retention/").content.decode()
    assert "Legal hold on fraud-scorer" in page and "Litigation 2026-114." in page
    assert "184 days" in page
    assert "compliance" in page and "Completed" in page
    client.force_login(ds)
    assert client.get("/audit/retention/").status_code == 403

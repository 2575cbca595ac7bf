"""RELIABILITY T12: no path takes a version to production without a complete, current approval set.

The service refuses (and audits) every move it does not allow; the API and the admin cannot write `stage` at all;
the ORM and raw SQL paths outside the service meet PostgreSQL's deferred deploy gate (governance migration 0015)
when the transaction commits. Those database checks need PostgreSQL, which CI runs: on SQLite the `pg` fixture skips
them with the reason (docs/decisions.md). `_at_commit` runs the checks PostgreSQL runs at COMMIT
(SET CONSTRAINTS ALL IMMEDIATE) inside a savepoint, so a refused write is undone as a refused commit would be."""

import json
from itertools import product

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from core.exceptions import Conflict
from core.seeding import seeding_bypass
from lifecycle import services as lifecycle
from lifecycle.choices import NEXT_STAGES, Stage
from lifecycle.models import ModelVersion
from tests.governance.conftest import SIGNATURE
from tests.governance.helpers import approve_version, person

REFUSED = "no current approval set exists for its digest"


@pytest.fixture
def pg(db, postgresql_only):
    """The deploy gate in the database is PostgreSQL's."""


@pytest.fixture
def unapproved(ds, model):
    """A version in staging whose review was never completed (placed there by seeding)."""
    version = lifecycle.model_version_register(actor=ds, model=model, version="7", signature=SIGNATURE)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=version.pk).update(stage=Stage.STAGING)
    version.refresh_from_db()
    return version


@pytest.fixture
def approved(pending):
    """A version approved through a complete review: every required function signed its digest."""
    return approve_version(pending)


def _at_commit(write, *, refused: bool = True):
    """Run `write` and the deferred checks of COMMIT in a savepoint; a refusal rolls the savepoint back."""

    def run():
        with transaction.atomic():
            write()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    try:
        if refused:
            with pytest.raises(IntegrityError, match=REFUSED) as caught:
                run()
            return caught.value
        run()
        return None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _stage(version) -> str:
    return ModelVersion.objects.values_list("stage", flat=True).get(pk=version.pk)


def _refusals(version) -> int:
    return AuditEvent.objects.filter(action="model_version.transition_refused", target_id=str(version.pk)).count()


# --- The service, the API and the admin -------------------------------------------------------------------


def test_the_transition_action_refuses_production_without_the_approval_and_audits_it(api, ds, unapproved):
    response = api(ds).post(f"/api/v1/model-versions/{unapproved.pk}/transition/", {"to": "production"}, format="json")
    assert response.status_code == 409
    assert "approval current" in response.content.decode()
    assert _stage(unapproved) == Stage.STAGING
    event = AuditEvent.objects.get(action="model_version.transition_refused", target_id=str(unapproved.pk))
    assert "approval current" in json.dumps(event.changes) and "production" in json.dumps(event.changes)
    assert "review" in event.reason.lower()


def test_a_rest_patch_of_stage_is_ignored(api, ds, unapproved):
    response = api(ds).patch(f"/api/v1/model-versions/{unapproved.pk}/", {"stage": "production"}, format="json")
    assert response.status_code in (200, 400, 403, 405)
    assert _stage(unapproved) == Stage.STAGING


def test_creating_a_version_in_production_through_the_api_is_not_possible(api, ds, model):
    body = {"model": model.pk, "version": "9", "stage": "production", "signature": SIGNATURE}
    response = api(ds).post("/api/v1/model-versions/", body, format="json")
    assert not ModelVersion.objects.filter(stage=Stage.PRODUCTION).exists(), response.content


def test_the_admin_change_form_and_actions_cannot_move_a_stage(client, units, unapproved):
    admin = person("root", "platform_admin")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    url = f"/admin/lifecycle/modelversion/{unapproved.pk}/change/"
    response = client.post(url, {"stage": "production", "_save": "Save"})
    assert response.status_code in (302, 403)
    assert _stage(unapproved) == Stage.STAGING
    changelist = client.get("/admin/lifecycle/modelversion/")
    assert changelist.status_code == 200
    actions = (
        changelist.context["action_form"].fields["action"].choices if changelist.context.get("action_form") else []
    )
    assert [value for value, _ in actions if value] == []
    client.post("/admin/lifecycle/modelversion/", {"action": "delete_selected", "_selected_action": [unapproved.pk]})
    assert _stage(unapproved) == Stage.STAGING


ALL_PAIRS = [(a, b) for a, b in product(Stage.values, Stage.values) if a != b and b not in NEXT_STAGES[a]]


@pytest.mark.parametrize(("from_stage", "to_stage"), ALL_PAIRS)
def test_the_state_machine_refuses_every_illegal_pair_and_audits_it(units, ds, model, from_stage, to_stage):
    version = lifecycle.model_version_register(actor=ds, model=model, version="5", signature=SIGNATURE)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=version.pk).update(stage=from_stage)
    # Approval is an independent reviewer's decision: ask as one, so the edge itself is what is refused.
    actor = person("rb", "review_board", units=(units["RETAIL"],)) if to_stage == Stage.APPROVED else ds
    with pytest.raises(Conflict, match="cannot move to"):
        lifecycle.model_version_transition(actor=actor, version=version, to_stage=to_stage, reason="skip")
    assert _stage(version) == from_stage
    assert _refusals(version) == 1


def test_every_pair_is_judged(db):
    legal = sum(len(targets) for targets in NEXT_STAGES.values())
    assert len(ALL_PAIRS) + legal == len(Stage.values) * (len(Stage.values) - 1)


# --- Around the service: the database refuses at commit ----------------------------------------------------


def test_model_save_outside_the_service_is_refused_at_commit(pg, unapproved):
    def write():
        version = ModelVersion.objects.get(pk=unapproved.pk)
        version.stage = Stage.PRODUCTION
        version.save()

    error = _at_commit(write)
    assert f"{unapproved.model.name} v{unapproved.version}" in str(error)
    assert _stage(unapproved) == Stage.STAGING


def test_queryset_update_is_refused_at_commit(pg, unapproved):
    _at_commit(lambda: ModelVersion.objects.filter(pk=unapproved.pk).update(stage=Stage.PRODUCTION))
    assert _stage(unapproved) == Stage.STAGING


def test_bulk_update_is_refused_at_commit(pg, unapproved):
    def write():
        unapproved.stage = Stage.PRODUCTION
        ModelVersion.objects.bulk_update([unapproved], ["stage"])

    _at_commit(write)
    assert _stage(unapproved) == Stage.STAGING


def test_raw_sql_is_refused_at_commit(pg, unapproved):
    def write():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE lifecycle_modelversion SET stage = 'production' WHERE id = %s", [unapproved.pk])

    _at_commit(write)
    assert _stage(unapproved) == Stage.STAGING


def test_inserting_a_version_straight_into_production_is_refused_at_commit(pg, ds, model):
    def write():
        ModelVersion.objects.create(model=model, version="8", digest="f" * 64, stage=Stage.PRODUCTION, submitted_by=ds)

    _at_commit(write)
    assert not ModelVersion.objects.filter(model=model, version="8").exists()


def test_the_seeding_setting_alone_does_not_let_a_write_through_after_the_block(pg, unapproved):
    with seeding_bypass():
        pass

    def write():
        ModelVersion.objects.filter(pk=unapproved.pk).update(stage=Stage.PRODUCTION)

    _at_commit(write)
    assert _stage(unapproved) == Stage.STAGING


def test_a_complete_approval_set_passes_the_database_gate(pg, approved):
    assert approved.stage == Stage.APPROVED
    _at_commit(lambda: ModelVersion.objects.filter(pk=approved.pk).update(stage=Stage.PRODUCTION), refused=False)
    assert _stage(approved) == Stage.PRODUCTION


def test_a_replayed_sign_off_on_an_older_digest_is_refused(pg, approved):
    """Every function signed the old content; the content changes and the version is pushed to production."""

    def write():
        ModelVersion.objects.filter(pk=approved.pk).update(digest="0" * 64, stage=Stage.PRODUCTION)

    _at_commit(write)
    assert _stage(approved) == Stage.APPROVED


def test_an_invalidated_sign_off_does_not_count(pg, approved):
    from django.utils import timezone

    from governance.models import SignOff

    def write():
        first = SignOff.objects.filter(review__version=approved).order_by("pk").first()
        SignOff.objects.filter(pk=first.pk).update(invalidated_at=timezone.now(), invalidated_reason="reset")
        ModelVersion.objects.filter(pk=approved.pk).update(stage=Stage.PRODUCTION)

    _at_commit(write)
    assert _stage(approved) == Stage.APPROVED


# --- Rollback and the Celery task: the production gates first (issue 20), the database beneath them -----------


@pytest.fixture
def rollback_proposal(units, make_user):
    """v1 was in production once without any approval on record (seeded), is deprecated; v2 is in production;
    an alert proposes rolling back to v1."""
    from lifecycle.models import StageTransition
    from tests.monitoring.factories import version_of
    from tests.monitoring.test_actions import _breach, _rule

    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    first = version_of(pm=pm, ds=ds, unit=units["RETAIL"], stage=Stage.DEPRECATED)
    second = lifecycle.model_version_register(actor=ds, model=first.model, version="2", signature=SIGNATURE)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=second.pk).update(stage=Stage.PRODUCTION)
        for version in (first, second):
            StageTransition.objects.create(version=version, from_stage="approved", to_stage="production", actor=ds)
    second.refresh_from_db()
    _rule(ds, second, "propose_rollback")
    return ds, first, second, _breach(second).action_proposal


def test_confirming_a_rollback_to_a_never_approved_version_is_refused_by_the_gates(rollback_proposal):
    from monitoring import actions

    ds, first, second, proposal = rollback_proposal
    with pytest.raises(Conflict) as refused:
        actions.action_proposal_confirm(actor=ds, proposal=proposal, note="roll back")
    assert "approval current" in {g["gate"] for g in refused.value.details["failed_gates"]}
    assert (_stage(first), _stage(second)) == (Stage.DEPRECATED, Stage.PRODUCTION)


def test_the_celery_task_cannot_restore_a_never_approved_version(rollback_proposal):
    """The action task only suspends; made to carry out a rollback, the gates refuse the restore and the
    proposal is recorded as failed."""
    from monitoring import tasks
    from monitoring.models import ActionProposal

    _, first, second, proposal = rollback_proposal
    ActionProposal.objects.filter(pk=proposal.pk).update(automatic=True)
    tasks.action_proposal_execute.delay(proposal.pk)
    proposal.refresh_from_db()
    assert proposal.status == "failed" and "approval" in proposal.result
    assert (_stage(first), _stage(second)) == (Stage.DEPRECATED, Stage.PRODUCTION)


def test_a_rollback_to_a_version_approved_earlier_passes_the_gates_and_the_database_gate(pg, approved, ds):
    """Rollback meets production's gates as any move there; the approval rows of the restored version satisfy
    the database's gate too."""
    from lifecycle.models import StageTransition

    lifecycle.deployment_record(actor=ds, version=approved, environment="production")
    second = lifecycle.model_version_register(actor=ds, model=approved.model, version="2", signature=SIGNATURE)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=approved.pk).update(stage=Stage.DEPRECATED)
        ModelVersion.objects.filter(pk=second.pk).update(stage=Stage.PRODUCTION)
        for version in (approved, second):
            StageTransition.objects.create(version=version, from_stage="approved", to_stage="production", actor=ds)
    _at_commit(lambda: lifecycle.model_rollback(actor=ds, model=approved.model, reason="v2 misbehaves"), refused=False)
    assert (_stage(approved), _stage(second)) == (Stage.PRODUCTION, Stage.SUSPENDED)


# --- Raw SQL as the application role, in a database set up as production is (docs/sql/audit_roles.sql) -------

SEED_AS_OWNER = """
from core.seeding import seeding_bypass
from lifecycle.models import AIModel, ModelVersion
from portfolio.models import BusinessUnit, UseCase

unit = BusinessUnit.objects.create(code="GATE", name="Gate")
use_case = UseCase.objects.create(number=1, title="Gate", business_unit=unit)
model = AIModel.objects.create(name="gate-model", use_case=use_case)
ModelVersion.objects.create(model=model, version="1", digest="a" * 64, stage="staging")
with seeding_bypass():  # the migrations' role owns the table: its seeding passes
    ModelVersion.objects.create(model=model, version="2", digest="b" * 64, stage="production")
"""
APP_ROLE_ATTEMPTS = {
    "disable the trigger": "ALTER TABLE lifecycle_modelversion DISABLE TRIGGER ALL",
    "drop the trigger": "DROP TRIGGER lifecycle_modelversion_production_gate_upd ON lifecycle_modelversion",
    "replace the function": "CREATE OR REPLACE FUNCTION lifecycle_modelversion_production_gate() RETURNS trigger "
    "AS $$ BEGIN RETURN NULL; END; $$ LANGUAGE plpgsql",
    "replica mode": "SET session_replication_role = replica",
}


@pytest.fixture(scope="module")
def roles_database():
    """Migrated and seeded by the tables' owner, then locked down: `lodestar_app` is what production runs as."""
    from tests.db_roles import locked_down_database

    with locked_down_database("lodestar_gate", commands=[["migrate", "-v0"], ["shell", "-c", SEED_AS_OWNER]]) as name:
        yield name


def test_the_application_role_cannot_seed_disable_or_replace_the_gate(roles_database):
    import psycopg

    from tests.db_roles import dsn, refused

    with psycopg.connect(dsn(roles_database, "lodestar_app")) as conn:
        stages = dict(conn.execute("SELECT version, stage FROM lifecycle_modelversion").fetchall())
        assert stages == {"1": "staging", "2": "production"}  # the owner's seeding went through
        conn.rollback()
        # The seeding setting is honoured for the table's owner only: raw SQL as the app role fails at commit.
        conn.execute("SET LOCAL lodestar.seeding = 'on'")
        conn.execute("UPDATE lifecycle_modelversion SET stage = 'production' WHERE version = '1'")
        with pytest.raises(psycopg.errors.CheckViolation, match=REFUSED):
            conn.commit()
        assert refused(conn, APP_ROLE_ATTEMPTS) == dict.fromkeys(APP_ROLE_ATTEMPTS, True)
        assert conn.execute("SELECT stage FROM lifecycle_modelversion WHERE version = '1'").fetchone() == ("staging",)

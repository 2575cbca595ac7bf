"""RELIABILITY T13: in a PostgreSQL database set up with docs/sql/audit_roles.sql, neither the application's
role nor the migrations' role can change or remove audit events, switch off their guards, take the table
over or grant themselves more. Runs against the machine's PostgreSQL whatever database the suite uses."""

import psycopg
import pytest

from tests.db_roles import dsn, locked_down_database, refused

ATTACKS = {
    "update": "UPDATE audit_auditevent SET reason = 'edited'",
    "delete": "DELETE FROM audit_auditevent",
    "truncate": "TRUNCATE audit_auditevent",
    "disable triggers": "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "drop trigger": "DROP TRIGGER audit_no_update_delete ON audit_auditevent",
    "replica mode": "SET session_replication_role = replica",
    "take ownership": "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
    "replace the guard": "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger "
    "AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
}


def _first_event(migrator) -> None:
    migrator.execute(
        "INSERT INTO audit_auditevent (seq, at, actor_name, action, target_type, target_id, target_repr, "
        "changes, reason, request_id, prev_hash, hash) VALUES (1, now(), 'system', 'demo.event', '', '', "
        "'', '{}', '', '', repeat('0', 64), repeat('a', 64))"
    )


@pytest.fixture(scope="module")
def roles_database():
    """A scratch database migrated by lodestar_migrator, then locked down by the DBA's script."""
    with locked_down_database("lodestar_roles", commands=[["migrate", "audit", "-v0"]], as_owner=_first_event) as name:
        yield name


def _state(database: str) -> tuple:
    with psycopg.connect(dsn(database, "postgres")) as admin:
        return admin.execute(
            "SELECT count(*), max(hash), string_agg(reason, ','), "
            "(SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
            "AND tgenabled = 'O' AND NOT tgisinternal), "
            "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'audit_auditevent') "
            "FROM audit_auditevent"
        ).fetchone()


@pytest.mark.parametrize("role", ["lodestar_app", "lodestar_migrator"])
def test_no_login_role_can_change_the_audit_trail(roles_database, role):
    before = _state(roles_database)
    with psycopg.connect(dsn(roles_database, role), autocommit=True) as conn:
        # Refused for want of privilege, or by the append-only trigger.
        outcome = refused(conn, ATTACKS, errors=(psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException))
        # GRANT by a role without grant options is only a warning in PostgreSQL: check that nothing changed.
        conn.execute("GRANT UPDATE, DELETE, TRUNCATE ON audit_auditevent TO PUBLIC")
        granted = conn.execute(
            "SELECT has_table_privilege(%s, 'audit_auditevent', 'UPDATE') "
            "OR has_table_privilege(%s, 'audit_auditevent', 'DELETE')",
            [role, role],
        ).fetchone()[0]
        # What the role must still do: read the trail and append to it.
        assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] >= 1
    assert outcome == dict.fromkeys(ATTACKS, True)
    assert not granted
    assert _state(roles_database) == before
    assert before[3] == 2 and before[4] == "lodestar_audit_owner"  # both guards on; owned by nobody who logs in


def test_the_application_role_appends_events(roles_database):
    with psycopg.connect(dsn(roles_database, "lodestar_app"), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO audit_auditevent (seq, at, actor_name, action, target_type, target_id, target_repr, "
            "changes, reason, request_id, prev_hash, hash) VALUES (2, now(), 'system', 'demo.second', '', '', "
            "'', '{}', '', '', repeat('a', 64), repeat('b', 64))"
        )
        assert conn.execute("SELECT max(seq) FROM audit_auditevent").fetchone()[0] == 2

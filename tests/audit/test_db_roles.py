"""RELIABILITY T13: in a PostgreSQL database set up with docs/sql/audit_roles.sql, neither the application's
role nor the migrations' role can change or remove audit events, switch off their guards, take the table
over or grant themselves more. Runs against the machine's PostgreSQL whatever database the suite uses."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ADMIN_DSN = os.environ.get("LODESTAR_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SCRIPT = Path(settings.BASE_DIR) / "docs" / "sql" / "audit_roles.sql"
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


def _dsn(database: str, user: str) -> str:
    base = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    return psycopg.conninfo.make_conninfo(**{**base, "dbname": database, "user": user})


@pytest.fixture(scope="module")
def roles_database():
    """A scratch database migrated by lodestar_migrator, then locked down by the DBA's script."""
    name = f"lodestar_roles_{os.getpid()}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='lodestar_migrator') "
                      "THEN CREATE ROLE lodestar_migrator LOGIN; END IF; END $$")  # fmt: skip
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" OWNER lodestar_migrator')
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DATABASE_URL": f"postgres://lodestar_migrator@{_host()}/{name}"}  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "migrate", "audit", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
    with psycopg.connect(_dsn(name, "lodestar_migrator"), autocommit=True) as migrator:
        migrator.execute(
            "INSERT INTO audit_auditevent (seq, at, actor_name, action, target_type, target_id, target_repr, "
            "changes, reason, request_id, prev_hash, hash) VALUES (1, now(), 'system', 'demo.event', '', '', "
            "'', '{}', '', '', repeat('0', 64), repeat('a', 64))"
        )
    with psycopg.connect(_dsn(name, "postgres"), autocommit=True) as admin:
        admin.execute(SCRIPT.read_text())
    yield name
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _host() -> str:
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    return f"{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}"


def _state(database: str) -> tuple:
    with psycopg.connect(_dsn(database, "postgres")) as admin:
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
    refused = {}
    with psycopg.connect(_dsn(roles_database, role), autocommit=True) as conn:
        for name, sql in ATTACKS.items():
            try:
                conn.execute(sql)
                refused[name] = False
            except psycopg.errors.InsufficientPrivilege:
                refused[name] = True
            except psycopg.errors.RaiseException:  # the append-only trigger
                refused[name] = True
        # GRANT by a role without grant options is only a warning in PostgreSQL: check that nothing changed.
        conn.execute("GRANT UPDATE, DELETE, TRUNCATE ON audit_auditevent TO PUBLIC")
        granted = conn.execute(
            "SELECT has_table_privilege(%s, 'audit_auditevent', 'UPDATE') "
            "OR has_table_privilege(%s, 'audit_auditevent', 'DELETE')",
            [role, role],
        ).fetchone()[0]
        # What the role must still do: read the trail and append to it.
        assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] >= 1
    assert refused == dict.fromkeys(ATTACKS, True)
    assert not granted
    assert _state(roles_database) == before
    assert before[3] == 2 and before[4] == "lodestar_audit_owner"  # both guards on; owned by nobody who logs in


def test_the_application_role_appends_events(roles_database):
    with psycopg.connect(_dsn(roles_database, "lodestar_app"), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO audit_auditevent (seq, at, actor_name, action, target_type, target_id, target_repr, "
            "changes, reason, request_id, prev_hash, hash) VALUES (2, now(), 'system', 'demo.second', '', '', "
            "'', '{}', '', '', repeat('a', 64), repeat('b', 64))"
        )
        assert conn.execute("SELECT max(seq) FROM audit_auditevent").fetchone()[0] == 2

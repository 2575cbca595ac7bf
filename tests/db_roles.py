"""A scratch PostgreSQL database set up as production is: migrated (and seeded) by lodestar_migrator, which owns
the tables, then locked down by the DBA's script docs/sql/audit_roles.sql, so a test can connect as the
application role `lodestar_app`. Uses the machine's PostgreSQL whatever database the suite uses."""

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings

ADMIN_DSN = os.environ.get("LODESTAR_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SCRIPT = Path(settings.BASE_DIR) / "docs" / "sql" / "audit_roles.sql"


def dsn(database: str, user: str) -> str:
    base = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    return psycopg.conninfo.make_conninfo(**{**base, "dbname": database, "user": user})


def _host() -> str:
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    return f"{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}"


@contextmanager
def locked_down_database(
    prefix: str, *, commands: list[list[str]], as_owner: Callable[[psycopg.Connection], None] | None = None
) -> Iterator[str]:
    """Create the database, run these manage.py commands and `as_owner` as lodestar_migrator, apply the DBA's
    script as superuser; yield its name and drop it after."""
    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='lodestar_migrator') "
                      "THEN CREATE ROLE lodestar_migrator LOGIN; END IF; END $$")  # fmt: skip
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" OWNER lodestar_migrator')
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DATABASE_URL": f"postgres://lodestar_migrator@{_host()}/{name}"}  # fmt: skip
    try:
        for command in commands:
            subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env, check=True)
        if as_owner is not None:
            with psycopg.connect(dsn(name, "lodestar_migrator"), autocommit=True) as migrator:
                as_owner(migrator)
        with psycopg.connect(dsn(name, "postgres"), autocommit=True) as admin:
            admin.execute(SCRIPT.read_text())
        yield name
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def refused(conn: psycopg.Connection, attempts: dict[str, str], *, errors=(psycopg.errors.InsufficientPrivilege,)):
    """{attempt: whether the database refused it with one of `errors`}; each runs on its own (rolled back when
    the connection is in a transaction)."""
    outcome = {}
    for name, sql in attempts.items():
        try:
            conn.execute(sql)
            outcome[name] = False
        except errors:
            outcome[name] = True
        if not conn.autocommit:
            conn.rollback()
    return outcome

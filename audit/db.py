"""Database guards that make the audit table append-only, whoever connects.

Installed by a migration. PostgreSQL raises on UPDATE, DELETE and TRUNCATE; SQLite aborts
UPDATE and DELETE (it has no TRUNCATE; its DELETE-all goes through the trigger too).
"""

TABLE = "audit_auditevent"

POSTGRES_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit events are append-only: % refused on %', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    f"DROP TRIGGER IF EXISTS audit_no_update_delete ON {TABLE};",
    f"""CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE};",
    f"""CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_no_update_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE};",
    "DROP FUNCTION IF EXISTS audit_refuse_change();",
]
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;""",
]
SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_REMOVE
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    raise NotImplementedError(f"Lodestar's audit guards support PostgreSQL and SQLite, not {vendor}.")


def install_guards(schema_editor) -> None:
    for sql in _statements(schema_editor.connection.vendor, install=True):
        # params=None: the trigger body holds '%' signs that are not parameters.
        schema_editor.execute(sql, params=None)


def remove_guards(schema_editor) -> None:
    for sql in _statements(schema_editor.connection.vendor, install=False):
        schema_editor.execute(sql, params=None)


# --- Governed records: retired, never deleted ---------------------------------------------------------------
# Per-row BEFORE DELETE triggers on PostgreSQL (the production and CI database). TRUNCATE is left alone: only
# the owner of the tables can run it, and the test-only flush relies on it. SQLite gets none: its schema editor
# rebuilds a table on most ALTERs and would silently drop the trigger with the old table.

GOVERNED_GUARD_FUNCTION = """
    CREATE OR REPLACE FUNCTION lodestar_refuse_governed_delete() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '%: governed records are retired, not deleted (DELETE refused; retire the record '
            'through its lifecycle instead)', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
"""


def _governed_trigger(table: str) -> str:
    return f"{table}_no_delete"


def install_governed_guards(schema_editor, tables: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(GOVERNED_GUARD_FUNCTION, params=None)
    for table in tables:
        trigger = _governed_trigger(table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table};", params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION lodestar_refuse_governed_delete();",
            params=None,
        )


def remove_governed_guards(schema_editor, tables: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in tables:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {_governed_trigger(table)} ON {table};", params=None)

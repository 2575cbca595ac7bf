from contextlib import contextmanager

from django.db import connections

from audit import db as audit_db


class _Editor:
    """The one method of a schema editor that audit.db needs, usable outside a migration."""

    def __init__(self, alias: str):
        self.connection = connections[alias]

    def execute(self, sql, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


@contextmanager
def guards_lifted(alias: str = "default"):
    editor = _Editor(alias)
    audit_db.remove_guards(editor)
    try:
        yield
    finally:
        audit_db.install_guards(editor)


def tamper(sql: str, params: list | None = None) -> None:
    """What a DBA could do: lift the guards, edit the table behind the application's back, restore them."""
    with guards_lifted(), connections["default"].cursor() as cursor:
        cursor.execute(sql, params)

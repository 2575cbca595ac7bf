"""Test-only `flush`: transactional tests empty every table between tests, and the audit table's
guards refuse that. Lift the guards for the flush and put them back. Production has no such command."""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from audit import db as audit_db


class _Editor:
    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)


class Command(FlushCommand):
    def handle(self, **options):
        editor = _Editor(connections[options["database"]])
        audit_db.remove_guards(editor)
        try:
            return super().handle(**options)
        finally:
            audit_db.install_guards(editor)

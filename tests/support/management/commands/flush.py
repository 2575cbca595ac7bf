"""Test-only `flush`: transactional tests empty every table between tests, and the audit table's
guards refuse that. Lift the guards for the flush and put them back. Production has no such command."""

from django.core.management.commands.flush import Command as FlushCommand

from tests.audit.helpers import guards_lifted


class Command(FlushCommand):
    def handle(self, **options):
        with guards_lifted(options["database"]):
            return super().handle(**options)

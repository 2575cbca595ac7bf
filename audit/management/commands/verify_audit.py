from django.core.management.base import BaseCommand, CommandError

from audit.services import verify_chain


class Command(BaseCommand):
    help = "Walk the audit trail's hash chain and name the first event that does not verify."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"Audit trail broken after {report.checked} good events. {report.problem}")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {report.checked} events verified."))

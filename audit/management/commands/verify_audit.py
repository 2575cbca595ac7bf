from django.core.management.base import BaseCommand, CommandError

from audit import anchors
from audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit trail's hash chain and check it against the checkpoints kept outside the database; "
        "name the first event that does not verify."
    )

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"Audit trail broken after {report.checked} good events. {report.problem}")
        checked, problem = anchors.verify_checkpoints()
        if problem:
            raise CommandError(f"Audit trail does not match its checkpoints ({checked} matched). {problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {report.checked} events verified, {checked} external checkpoints matched."
            )
        )

from django.core.management.base import BaseCommand, CommandError

from audit import retention
from audit.models import PurgeRun


class Command(BaseCommand):
    help = (
        "Delete operational logs older than the retention policy (read notifications, finished webhook "
        "deliveries, sync runs, expired sessions) that no legal hold covers; never governed documentation. "
        "Each run is recorded and audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        run = retention.purge_expired(actor=None, dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        if run.status == PurgeRun.Status.HELD:
            raise CommandError(f"Purge run #{run.pk} stopped: a legal hold on everything is active; nothing deleted.")
        for purgeable in retention.purgeables():
            kind = purgeable.kind
            held = run.held.get(kind, 0)
            kept = f" ({held} kept under a legal hold)" if held else ""
            self.stdout.write(f"{purgeable.label}: {verb} {run.deleted.get(kind, 0)}{kept}")
        policy = run.policy
        self.stdout.write(
            self.style.SUCCESS(
                f"Purge run #{run.pk} {run.status}: logs kept {policy['log_days']} days, documentation "
                f"{policy['documentation_days']} days and never purged."
            )
        )

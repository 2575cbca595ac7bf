"""Run the MLflow metric sync in the foreground: the same code as the beat task, version after version."""

from django.core.management.base import BaseCommand

from monitoring.sync import metrics_sync


class Command(BaseCommand):
    help = "Pull drift, performance, operational and cost metrics of governed versions from MLflow now."

    def handle(self, *args, **options):
        def progress(done: int, total: int, sync_run) -> None:
            width = 30
            filled = int(width * done / total) if total else width
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} versions, "
                f"{sync_run.points_inserted} new points",
                ending="" if done < total else "\n",
            )
            self.stdout.flush()

        sync_run = metrics_sync(trigger="command", progress=progress)
        summary = (
            f"Sync #{sync_run.pk} {sync_run.get_status_display().lower()}: {sync_run.versions_done} version(s), "
            f"{sync_run.points_inserted} point(s) inserted, {sync_run.points_skipped} invalid point(s) skipped."
        )
        for error in sync_run.errors[:20]:
            self.stderr.write(f"  {error}")
        self.stdout.write(
            self.style.SUCCESS(summary) if sync_run.status == "succeeded" else self.style.WARNING(summary)
        )

"""Check an evidence pack: every file against its manifest, and the ZIP's SHA-256 against the audit trail.

Prints what matches; exits non-zero (CommandError) on any mismatch or when the trail never recorded the pack."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance import evidence_pack, selectors


class Command(BaseCommand):
    help = "Verify an evidence pack ZIP against its manifest and the audit trail."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        report = evidence_pack.verify(data)
        out = self.stdout
        out.write(f"{file.name}: SHA-256 {report.sha256}")
        for name in report.matched:
            out.write(f"  ok        {name}")
        problems = list(report.problems)
        event = selectors.evidence_pack_export_event(report.sha256)
        if event is None:
            problems.append(f"the audit trail has no {evidence_pack.EXPORT_ACTION} event with SHA-256 {report.sha256}")
        else:
            out.write(
                f"  recorded  audit event #{event.seq} ({event.action}) on {event.target_repr} "
                f"by {event.actor_name} at {event.at:%Y-%m-%d %H:%M:%S} UTC"
            )
            if report.version_id is not None and event.target_id != str(report.version_id):
                problems.append(
                    f"the manifest names version {report.version_id}, the audit event version {event.target_id}"
                )
        if problems:
            for problem in problems:
                self.stderr.write(f"  MISMATCH  {problem}")
            raise CommandError(f"{file.name}: {len(problems)} problem(s); the pack does not verify.")
        out.write(
            self.style.SUCCESS(f"{file.name}: {len(report.matched)} files match the manifest and the audit trail.")
        )

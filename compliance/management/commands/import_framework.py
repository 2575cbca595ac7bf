"""Import a compliance framework, or a new revision of one, from a YAML or JSON file.

Without --apply it only validates the file and prints the diff against the current revision."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from compliance import services
from core.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Validate a framework file and show its diff against the current revision; --apply writes it (audited)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--apply", action="store_true", help="Write the import (otherwise a dry run).")
        parser.add_argument(
            "--actor", default="", help="Username recorded on the audit event (a holder of import_framework)."
        )

    def handle(self, *args, file: Path, apply: bool, actor: str, **options):
        user = self._actor(actor)
        try:
            document = services.framework_document_parse(file.read_bytes(), filename=file.name)
            diff = services.framework_import(actor=user, document=document, apply=apply)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except ApplicationError as exc:
            lines = [exc.message]
            if isinstance(exc.details, dict):
                lines += [f"  {path}: {' '.join(map(str, msgs))}" for path, msgs in exc.details.items()]
            raise CommandError("\n".join(lines)) from exc
        out = self.stdout
        out.write(f"{diff.name} {diff.revision}{' (new framework)' if diff.new_framework else ''}")
        for key, (before, after) in diff.framework_changes.items():
            out.write(f"  {key}: {before!r} -> {after!r}")
        for row in diff.added:
            out.write(f"  + {row['reference']} {row['title']}")
        for row in diff.removed:
            out.write(f"  - {row['reference']} {row['title']}")
        for row in diff.changed:
            changes = "; ".join(f"{k}: {b!r} -> {a!r}" for k, (b, a) in row["changes"].items())
            out.write(f"  ~ {row['reference']} {changes}")
        if diff.empty:
            out.write("Nothing to change.")
        elif apply:
            out.write(self.style.SUCCESS("Applied."))
        else:
            out.write("Dry run: nothing written. Run again with --apply to import.")

    def _actor(self, username: str):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"--actor: no active user “{username}”.")
            return user
        # Run by an operator on the server: record the first active superuser as the actor.
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("--actor: name the platform admin who imports (no superuser exists).")
        return user

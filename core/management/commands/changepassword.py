"""Django's changepassword, through the account services: audited as a forced reset under the service account
with the operating-system user named, so the holder sets their own before signing."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core import accounts
from core.exceptions import ApplicationError
from core.management.console import ask_password, os_user


class Command(BaseCommand):
    help = "Set a user's password (audited; the holder must set their own before signing)."
    requires_migrations_checks = True

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="Whose password; by default the operating-system user's.")

    def handle(self, *args, **options):
        username = options["username"] or os_user()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"user '{username}' does not exist")
        self.stdout.write(f"Changing password for user '{username}'")
        password = ask_password(self, user)
        try:
            accounts.password_set_at_console(username=username, password=password, os_user=os_user())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        return (
            f"Password changed for user '{username}' (audited). It counts as set by someone else: "
            "its holder sets their own before signing."
        )

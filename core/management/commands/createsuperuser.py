"""Django's createsuperuser, through the account services: audited under the service account with the
operating-system user named, and a username that any account held before is refused (never reassigned).

Non-interactive (`--noinput`): the username, e-mail and password come from the options or from
DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD, as with Django's command."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core import accounts
from core.exceptions import ApplicationError
from core.management.console import ask_password, os_user


class Command(BaseCommand):
    help = "Create a superuser (audited; a username is never reassigned)."
    requires_migrations_checks = True

    def add_arguments(self, parser):
        parser.add_argument("--username", help="The new account's username (never reassigned later).")
        parser.add_argument("--email", help="The new account's e-mail address.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Ask nothing; a password comes from DJANGO_SUPERUSER_PASSWORD, else the account has none.",
        )

    def handle(self, *args, **options):
        username = options["username"] or os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
        email = options["email"] or os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or None
        if options["interactive"]:
            username = username or input("Username: ").strip()
            email = email or input("Email address: ").strip()
            password = ask_password(self, get_user_model()(username=username, email=email))
        elif not username:
            raise CommandError("username: give --username or DJANGO_SUPERUSER_USERNAME.")
        try:
            accounts.superuser_create_at_console(username=username, password=password, email=email, os_user=os_user())
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Superuser '{username}' created (audited). Its password counts as set by someone else: "
            "its holder sets their own before signing."
        )

"""What the account commands (createsuperuser, changepassword) share: who runs them, and a password asked twice
and checked by the configured validators."""

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

MAX_TRIES = 3


def os_user() -> str:
    """The operating-system account running the command, named in the audit event."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return os.environ.get("USER", "")


def ask_password(command, user) -> str:
    """Ask twice at the terminal; refuse what the validators refuse (three tries)."""
    for _ in range(MAX_TRIES):
        first = getpass.getpass("Password: ")
        if not first:
            raise CommandError("aborted")
        if first != getpass.getpass("Password (again): "):
            command.stderr.write("Passwords do not match. Please try again.")
            continue
        try:
            validate_password(first, user)
        except ValidationError as err:
            command.stderr.write("\n".join(err.messages))
            continue
        return first
    raise CommandError(f"Aborting after {MAX_TRIES} attempts.")

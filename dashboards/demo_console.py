"""What the demo commands print: the sign-in table last and readable, not buried under console e-mails."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core import mail
from django.test.utils import override_settings

from core.roles import ROLE_BY_KEY
from governance.demo import EXTRA_USERS
from portfolio.demo import DEMO_PASSWORD, USERS

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


@contextmanager
def mail_held_back() -> Iterator[list]:
    """While seeding, e-mails that the console backend would print go to memory instead (the in-app
    notifications stay). Yields the list they land in; a real mail server configured by EMAIL_URL is left alone."""
    held: list = []
    if settings.EMAIL_BACKEND != CONSOLE_BACKEND:
        yield held
        return
    previous = getattr(mail, "outbox", None)
    mail.outbox = held
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield held
    finally:
        if previous is None:
            del mail.outbox
        else:
            mail.outbox = previous


def demo_accounts() -> list[tuple[str, str, str, str]]:
    """(username, full name, roles, password) of every demo user, from the seed's own tables."""
    people = [(u, first, last, roles) for u, first, last, roles, *_ in [*USERS, *EXTRA_USERS]]
    return [
        (username, f"{first} {last}", ", ".join(ROLE_BY_KEY[r].name for r in roles), DEMO_PASSWORD)
        for username, first, last, roles in people
    ]


def write_accounts(stdout, style, url: str = "http://127.0.0.1:8000") -> None:
    stdout.write("")
    stdout.write(style.SUCCESS(f"Sign in to Lodestar at {url} as:"))
    for username, name, roles, password in demo_accounts():
        stdout.write(f"  {username:<6} {name:<16} password {password}   {roles}")

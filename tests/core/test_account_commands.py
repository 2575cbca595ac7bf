"""`manage.py createsuperuser` and `changepassword` go through the account services (issue 20): audited under
the service account with the operating-system user named, a username is never reassigned, and a password set
at the console is a forced reset (its holder sets their own before signing)."""

import getpass

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command, get_commands

from audit import services as audit
from audit.models import AuditEvent
from core import accounts

NEW_PASSWORD = "a-long-console-pass-2026"


@pytest.fixture
def terminal(monkeypatch):
    """What the operator types: answers to input() and getpass(), in order; and who the OS says they are."""
    typed = {"input": [], "getpass": []}
    monkeypatch.setattr("builtins.input", lambda prompt="": typed["input"].pop(0))
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": typed["getpass"].pop(0))
    monkeypatch.setattr(getpass, "getuser", lambda: "opsroot")
    return typed


def _events(action, user):
    return AuditEvent.objects.filter(action=action, target_type="auth.user", target_id=str(user.pk))


def test_lodestar_s_commands_replace_django_s():
    assert get_commands()["createsuperuser"] == "core" and get_commands()["changepassword"] == "core"


def test_createsuperuser_is_audited_with_the_os_user_and_its_password_is_a_forced_reset(db, terminal):
    terminal["input"] += ["root2", "root2@example.org"]
    terminal["getpass"] += ["short", "short", NEW_PASSWORD, NEW_PASSWORD]  # the validators refuse the first
    call_command("createsuperuser")
    user = User.objects.get(username="root2")
    assert user.is_superuser and user.is_staff and user.email == "root2@example.org"
    created = _events("auth.user_created", user).get()
    assert created.actor_name == accounts.SYSTEM_USERNAME
    assert "createsuperuser" in created.reason and "opsroot" in created.reason
    assert _events(accounts.PASSWORD_SET, user).get().reason == created.reason
    assert authenticate(username="root2", password=NEW_PASSWORD) == user
    assert accounts.password_set_by(user) == accounts.SYSTEM_USERNAME  # cannot sign until they set their own


def test_createsuperuser_without_input_takes_the_environment(db, monkeypatch, terminal):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)
    call_command("createsuperuser", "--noinput", "--username", "ci-root", "--email", "ci@example.org")
    assert authenticate(username="ci-root", password=NEW_PASSWORD).is_superuser
    with pytest.raises(CommandError, match="username"):
        call_command("createsuperuser", "--noinput")


def test_createsuperuser_refuses_a_username_held_now_or_before(db, terminal, make_user):
    alice = make_user("alice")
    with pytest.raises(CommandError, match="never reassigned"):
        call_command("createsuperuser", "--noinput", "--username", "alice")
    # A name only the audit trail remembers (an account renamed before usernames became immutable) is refused too.
    audit.record(actor=None, action="auth.user_changed", target=alice, target_repr="carol")
    with pytest.raises(CommandError, match="never reassigned"):
        call_command("createsuperuser", "--noinput", "--username", "carol")
    assert not User.objects.filter(is_superuser=True).exists()
    assert not AuditEvent.objects.filter(action="auth.user_created").exists()


def test_changepassword_is_a_forced_reset_audited_with_the_os_user(db, terminal, make_user):
    bob = make_user("bob")
    terminal["getpass"] += [NEW_PASSWORD, "typo", NEW_PASSWORD, NEW_PASSWORD]  # a mismatch, then a match
    call_command("changepassword", "bob")
    assert authenticate(username="bob", password=NEW_PASSWORD) == bob
    event = _events(accounts.PASSWORD_SET, bob).get()
    assert event.actor_name == accounts.SYSTEM_USERNAME
    assert "changepassword" in event.reason and "opsroot" in event.reason
    assert accounts.password_set_by(bob) == accounts.SYSTEM_USERNAME
    with pytest.raises(CommandError, match="does not exist"):
        call_command("changepassword", "nobody")

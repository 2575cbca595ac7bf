"""T26: no notification, inbox or e-mail names a record its reader may not see.

The hostile world is built (a record of every class; the other unit's confidential use case made confidential only
after its model and version exist) with e-mails sent as in production, then the actions that notify run again on
every class of record: a version submitted for review, a version's decommission plan waiting for the tier's
functions. Everyone's notifications, inbox page and e-mails are then searched for the markers of the records hidden
from them (by the written rule, not by the code under test).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from governance import services as governance
from lifecycle import decommissioning
from notifications.models import Notification
from notifications.selectors import notification_list

from .matrix import markers_hidden_from
from .policy import CLASSES, OTHER_CONFIDENTIAL
from .world import build_world


def _notify_again(world) -> None:
    """The actions that tell people things, on every class of record."""
    builder = User.objects.get(username="builder")
    for object_class in CLASSES:
        version = world.objects["model_version"][object_class]
        governance.review_open(version=version, actor=builder, reason="Resubmitted with new evidence.")
        # The use case is assessed (tier low) by now: the plan waits for the functions of the low policy.
        decommissioning.decommission_plan_create(
            actor=builder,
            model=version.model,
            version=version,
            reason="no_longer_needed",
            sunset_date=timezone.localdate() + timedelta(days=400),
        )


@pytest.fixture
def notified_world(units, make_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world = build_world(units, make_user)
        _notify_again(world)
    return world


def _leaks_of(world, user) -> tuple[list[str], int, int]:
    """(leaks, notifications read, e-mails read) for one person."""
    hidden = markers_hidden_from(world, user)
    found, notes, mails = [], 0, 0
    for note in notification_list(user=user):
        notes += 1
        text = f"{note.subject}\n{note.body}\n{note.url}"
        found += [f"notification “{note.subject}”: {m}" for m in hidden if m in text]
    for message in mail.outbox:
        if user.email in message.to:
            mails += 1
            text = f"{message.subject}\n{message.body}"
            found += [f"e-mail “{message.subject}”: {m}" for m in hidden if m in text]
    browser = Client()
    browser.force_login(user)
    page = browser.get(reverse("notifications:inbox")).content.decode()
    found += [f"inbox page: {m}" for m in hidden if m in page]
    return found, notes, mails


def test_no_notification_inbox_or_email_names_a_hidden_record(notified_world):
    people = list(User.objects.filter(is_active=True).order_by("username"))
    leaks, notes, mails, exposed = [], 0, 0, 0
    for user in people:
        found, n, m = _leaks_of(notified_world, user)
        leaks += [f"{user.username}: {leak}" for leak in found]
        notes, mails = notes + n, mails + m
        exposed += bool(markers_hidden_from(notified_world, user))
    print(
        f"\nT26: {len(people)} people ({exposed} with hidden records), {notes} notifications, {mails} e-mails, "
        f"inbox pages {len(people)}: leak markers in notifications and e-mails: {len(leaks)}"
    )
    assert not leaks, "\n".join(leaks)
    # The sweep saw something: notifications and e-mails went out, and to people who have records hidden from them.
    assert notes and mails and exposed


def test_decommission_plan_tells_only_holders_who_see_the_model(notified_world):
    """Holders of the tier's functions who cannot see the model are not told of its plan (as reviews already do)."""
    validator = notified_world.users["validator"]  # holds validation, member of RETAIL only
    plans = Notification.objects.filter(recipient=validator, category="decommission")
    subjects = " ".join(plans.values_list("subject", flat=True))
    assert "zz-own_confidential-model_version" in subjects  # told of the plans it may see...
    assert "zz-other_confidential" not in subjects  # ...and of none it may not


def test_a_notification_leaves_the_inbox_when_its_record_becomes_hidden(notified_world):
    """A use case made confidential after its people were told: their inbox no longer names its records."""
    from portfolio import services as portfolio

    validator = notified_world.users["validator"]
    use_case = notified_world.objects["use_case"]["other"]
    told = notification_list(user=validator).filter(subject__contains="zz-other-model_version").count()
    assert told
    portfolio.use_case_update(
        actor=User.objects.get(username="builder"), use_case=use_case, confidential=True, reason="Now confidential."
    )
    assert not notification_list(user=validator).filter(subject__contains="zz-other-model_version").exists()
    browser = Client()
    browser.force_login(validator)
    assert "zz-other-model_version" not in browser.get(reverse("notifications:inbox")).content.decode()
    assert OTHER_CONFIDENTIAL  # the class the world hides from the validator


def test_every_notification_says_what_record_it_is_about():
    """The next notify() cannot forget: each call names the record it tells of (`about=`, None for none), so
    recipients who may not see it are left out and the inbox drops it when they lose sight of it."""
    import ast
    from pathlib import Path

    from django.apps import apps

    root = Path(__file__).resolve().parents[2]
    # Lodestar's own apps (not the tests, nor the virtualenvs that live in the checkout).
    packages = {Path(config.path) for config in apps.get_app_configs() if Path(config.path).parent == root}
    packages -= {root / "tests"}
    calls, missing = 0, []
    for path in sorted(p for package in packages for p in package.rglob("*.py")):
        relative = path.relative_to(root)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name == "notify":
                    calls += 1
                    if not any(keyword.arg == "about" for keyword in node.keywords):
                        missing.append(f"{relative}:{node.lineno}")
    assert calls > 30, "the scan found the calls to notify()"
    assert not missing, "notify() without about= (the record the message names, or None):\n" + "\n".join(missing)

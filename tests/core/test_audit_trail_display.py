"""The audit trail page reads like a record of changes, not like Python."""

import re

from django.test import Client
from django.urls import reverse

from audit import services as audit


def _trail(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("audit:event_list")).content.decode()


def _row(html: str, action: str) -> str:
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if f"<code>{action}</code>" in row]
    assert rows, f"no {action} row"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", rows[0]))


def test_changes_read_as_field_before_and_after(make_user):
    admin = make_user("ade", "platform_admin")
    audit.record(
        actor=admin,
        action="wave.replanned",
        before={"capacities": {"Data platform": 60}, "teams": ["ML engineering"], "frozen": False, "note": None},
        after={
            "capacities": {"Data platform": 80},
            "teams": ["ML engineering", "Data platform"],
            "frozen": True,
            "note": "after the Q3 review",
        },
    )

    row = _row(_trail(admin), "wave.replanned")

    assert "capacities: Data platform: 60 → Data platform: 80" in row
    assert "teams: ML engineering → ML engineering, Data platform" in row
    assert "frozen: no → yes" in row
    # A value set where there was none reads as the value alone.
    assert "note: after the Q3 review" in row
    assert not re.search(r"[\[\]{}]|'|None|True|False", row), row


def test_a_failed_sign_in_names_the_username_tried(make_user):
    admin = make_user("ade", "platform_admin")
    Client().post(reverse("login"), {"username": "mallory", "password": "guess"})

    row = _row(_trail(admin), "auth.login_failed")

    assert "mallory (failed sign-in)" in row
    assert "system" not in row

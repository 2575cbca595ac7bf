"""RELIABILITY T15: the chain's head is checkpointed outside the database, so five kinds of tampering by a
database superuser are all detected, the last (a consistent rewrite of the whole chain) only through the
checkpoints; a clean chain raises no false alarm."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from audit import anchors, tasks
from audit import services as audit
from audit.models import AuditEvent
from tests.audit.helpers import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchored(make_user):
    """Twelve events, checkpointed after the sixth and after the last."""
    actor = make_user("auditor")
    events = []
    for i in range(12):
        events.append(audit.record(actor=actor, action="thing.changed", target=actor, after={"n": i}, reason="r"))
        if i in (5, 11):
            assert anchors.write_checkpoint() is not None
    return events


def _verify() -> str:
    try:
        call_command("verify_audit")
    except CommandError as error:
        return str(error)
    return ""


def test_a_clean_chain_verifies_with_its_checkpoints(anchored, capsys):
    assert _verify() == ""
    assert "12 events verified, 2 external checkpoints matched" in capsys.readouterr().out
    assert anchors.write_checkpoint() is None  # nothing new: no new line


def test_edited_event_is_detected(anchored):
    tamper("UPDATE audit_auditevent SET reason = %s WHERE seq = 3", ["quiet edit"])
    assert "Event #3" in _verify() and "edited" in _verify()


def test_deleted_event_is_detected(anchored):
    tamper("DELETE FROM audit_auditevent WHERE seq = 4")
    assert "missing" in _verify()


def test_swapped_events_are_detected(anchored):
    a, b = anchored[2], anchored[3]
    tamper("UPDATE audit_auditevent SET seq = 999999 WHERE id = %s", [a.pk])
    tamper("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [a.seq, b.pk])
    tamper("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [b.seq, a.pk])
    assert "Event #3" in _verify()


def test_cut_tail_is_detected_only_through_the_checkpoints(anchored):
    tamper("DELETE FROM audit_auditevent WHERE seq > 8")
    assert audit.verify_chain().ok  # what is left is a valid chain
    assert "Event #12, checkpointed" in _verify() and "cut" in _verify()


def test_a_consistent_rewrite_of_the_whole_chain_is_detected_only_through_the_checkpoints(anchored):
    previous = audit.GENESIS_HASH
    for event in AuditEvent.objects.order_by("seq"):
        event.reason = "history, improved"
        event.prev_hash = previous
        event.hash = audit.compute_hash(event)
        tamper(
            "UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [event.reason, event.prev_hash, event.hash, event.pk],
        )
        previous = event.hash
    assert audit.verify_chain().ok  # the superuser did a thorough job
    assert "Event #6 no longer has the hash" in _verify()
    # The daily task raises the alarm in the trail itself.
    assert tasks.verify_chain()["ok"] is False
    assert AuditEvent.objects.filter(action="audit.chain_broken").exists()


def test_a_forged_checkpoint_is_refused(anchored):
    path = Path(settings.AUDIT_ANCHOR_DIR) / anchors.FILE_NAME
    lines = path.read_text().splitlines()
    forged = json.loads(lines[0]) | {"head": "f" * 64}
    path.write_text("\n".join([json.dumps(forged), *lines[1:]]) + "\n")
    assert "bad signature" in _verify()


def test_the_checkpoint_task_appends_the_head(anchored):
    audit.record(actor=None, action="later.event", reason="r")
    assert tasks.write_checkpoint()["seq"] == 13
    assert [c.seq for c in anchors.read_checkpoints()] == [6, 12, 13]

"""The audit trail is append-only in the database itself and any edit breaks the hash chain."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit import services as audit
from audit.models import AuditEvent
from tests.audit.helpers import tamper


@pytest.fixture
def events(db, make_user):
    actor = make_user("auditor")
    return [
        audit.record(actor=actor, action="thing.created", target=actor, after={"n": i, "label": f"#{i}"}, reason="test")
        for i in range(5)
    ]


def test_events_link_to_the_previous_hash(events):
    assert events[0].prev_hash == audit.GENESIS_HASH
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
        assert event.seq == previous.seq + 1
    assert audit.verify_chain().ok


def test_record_stores_before_and_after_as_field_changes(db, make_user):
    actor = make_user("editor")
    event = audit.record(actor=actor, action="x.updated", target=actor, before={"a": 1, "b": 2}, after={"a": 1, "b": 3})
    assert event.changes == {"b": [2, 3]}
    assert event.actor_name == "editor"
    assert event.target_type == "auth.user"


@pytest.mark.parametrize("sql", ["UPDATE audit_auditevent SET reason = 'forged'", "DELETE FROM audit_auditevent"])
def test_the_database_refuses_raw_update_and_delete(events, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.filter(reason="test").count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_emptying_the_table(events):
    # PostgreSQL's TRUNCATE skips row triggers, so it has a statement trigger of its own;
    # SQLite has no TRUNCATE, and its DELETE-all fast path is disabled by the row trigger.
    # Committed rows (transaction=True), so PostgreSQL has no pending FK checks to refuse for its own reason.
    sql = "TRUNCATE audit_auditevent" if connection.vendor == "postgresql" else "DELETE FROM audit_auditevent WHERE 1"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 5


def test_the_orm_refuses_update_and_delete(events):
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=events[0].pk).update(reason="forged")
    with pytest.raises(TypeError):
        events[0].delete()
    events[0].reason = "forged"
    with pytest.raises(TypeError):
        events[0].save()


def test_verify_audit_names_an_edited_event(events):
    victim = events[2]
    tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["nothing to see", victim.pk])
    with pytest.raises(CommandError, match=rf"Event #{victim.seq} \(id {victim.pk}\).*edited"):
        call_command("verify_audit")


def test_verify_audit_names_the_event_after_a_deleted_one(events):
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_bad_seq == events[2].seq
    assert "missing" in report.problem


def test_verify_audit_detects_a_rewritten_hash(events):
    # An attacker who recomputes one event's hash still breaks the link from the next event.
    victim = events[1]
    victim.reason = "rewritten"
    new_hash = audit.compute_hash(victim)
    tamper("UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s", ["rewritten", new_hash, victim.pk])
    report = audit.verify_chain()
    assert not report.ok and report.first_bad_seq == events[2].seq


def test_verify_audit_passes_on_an_intact_chain(events, capsys):
    call_command("verify_audit")
    assert "5 events verified" in capsys.readouterr().out

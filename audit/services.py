"""Writing and verifying the audit trail.

Each event carries the hash of the one before it, over a canonical JSON serialisation, so any
edit, deletion or reordering of stored events breaks the chain at the first event touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from audit import context
from audit.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works; it serialises writers of the chain in PostgreSQL until their commit.
_CHAIN_LOCK_KEY = 0x10DE57A2


def _plain(value):
    """The value as it will read back from the JSON column."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hashed_fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "business_unit_id": event.business_unit_id,
        "changes": event.changes,
        "reason": event.reason,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical(_hashed_fields(event))).hexdigest()


def diff(before: dict | None, after: dict | None) -> dict:
    """{field: [before, after]} for every field whose value differs (or appears on one side only)."""
    before, after = _plain(before or {}), _plain(after or {})
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }


def business_unit_of(target: models.Model | None) -> int | None:
    """The id of the business unit a record belongs to, along its `scope_business_unit` path (None if none)."""
    path = getattr(target, "scope_business_unit", None) if target is not None else None
    if target is None or path is None:
        return None
    *hops, last = path.split("__")
    obj = target
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transactions start IMMEDIATE (settings), so writers are already serialised.


def record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    target_repr: str | None = None,
    business_unit_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    request = context.current()
    if actor is None:
        actor = request.user
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
        event = AuditEvent(
            seq=(last["seq"] + 1) if last else 1,
            at=timezone.now(),
            actor=user,
            actor_name=user.get_username() if user else "system",
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None and target.pk is not None else "",
            target_repr=(target_repr if target_repr is not None else str(target) if target is not None else "")[:300],
            business_unit_id=business_unit_id if business_unit_id is not None else business_unit_of(target),
            changes=diff(before, after),
            reason=reason,
            request_id=request.request_id,
            ip_address=request.ip_address,
            prev_hash=last["hash"] if last else GENESIS_HASH,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    first_bad_id: int | None = None
    problem: str = ""

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_seq": self.first_bad_seq,
            "first_bad_id": self.first_bad_id,
            "problem": self.problem,
        }


def verify_chain(events: Iterable[AuditEvent] | None = None) -> ChainReport:
    """Walk the chain from the first event and report the first one that does not verify."""
    if events is None:
        events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for event in events:
        problem = ""
        if event.seq != expected_seq:
            problem = f"sequence jumps from {expected_seq - 1} to {event.seq}: events are missing"
        elif event.prev_hash != expected_prev:
            problem = "its link to the previous event does not match: an event before it was changed or removed"
        elif compute_hash(event) != event.hash:
            problem = "its content does not match its hash: the event was edited"
        if problem:
            return ChainReport(False, checked, event.seq, event.pk, f"Event #{event.seq} (id {event.pk}): {problem}.")
        expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    return ChainReport(True, checked)

"""Checkpoints of the audit chain kept outside the database (RELIABILITY T15).

A superuser can rewrite the whole chain consistently, hashes and all; the chain alone cannot show that.
Every few minutes a task appends the chain's head (sequence number and hash) to a file in a directory
outside the database, signed with a key the database never holds. Verification then checks each
checkpoint against the events: a rewritten, cut or reordered chain no longer carries the heads it had.

In production AUDIT_ANCHOR_DIR is a mount the database host cannot write (another machine, an
object-lock bucket synced from it); AUDIT_ANCHOR_KEY comes from the secret store, not from the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent

FILE_NAME = "checkpoints.jsonl"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str
    at: str
    signature: str

    def payload(self) -> bytes:
        return f"{self.seq}:{self.head}:{self.at}".encode()


def _key() -> bytes:
    key = settings.AUDIT_ANCHOR_KEY or f"lodestar-anchor:{settings.SECRET_KEY}"
    return key.encode()


def _sign(seq: int, head: str, at: str) -> str:
    return hmac.new(_key(), f"{seq}:{head}:{at}".encode(), hashlib.sha256).hexdigest()


def _path() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR) / FILE_NAME


def read_checkpoints() -> list[Checkpoint]:
    path = _path()
    if not path.exists():
        return []
    checkpoints = []
    for line in path.read_text().splitlines():
        if line.strip():
            data = json.loads(line)
            checkpoints.append(Checkpoint(int(data["seq"]), data["head"], data["at"], data["signature"]))
    return checkpoints


def last_checkpoint() -> Checkpoint | None:
    """The newest checkpoint, read from the end of the file (it grows by one line every few minutes)."""
    path = _path()
    if not path.exists():
        return None
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        file.seek(max(0, file.tell() - 4096))
        lines = [line for line in file.read().splitlines() if line.strip()]
    if not lines:
        return None
    data = json.loads(lines[-1])
    return Checkpoint(int(data["seq"]), data["head"], data["at"], data["signature"])


def write_checkpoint() -> Checkpoint | None:
    """Append the current head unless the last checkpoint already holds it (an idle trail adds nothing)."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    seq, digest = head
    existing = read_checkpoints()
    if existing and existing[-1].seq == seq and existing[-1].head == digest:
        return None
    at = timezone.now().isoformat()
    checkpoint = Checkpoint(seq, digest, at, _sign(seq, digest, at))
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"seq": seq, "head": digest, "at": at, "signature": checkpoint.signature}) + "\n"
    # Append-only and flushed to disk: a checkpoint that was reported written survives a crash.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


def verify_checkpoints() -> tuple[int, str]:
    """(checkpoints verified, the first problem or ""). Each checkpoint must be signed with our key and
    name an event that still exists with the same hash."""
    checkpoints = read_checkpoints()
    if not checkpoints:
        return 0, ""
    hashes = dict(AuditEvent.objects.filter(seq__in=[c.seq for c in checkpoints]).values_list("seq", "hash").iterator())
    for count, checkpoint in enumerate(checkpoints):
        if not hmac.compare_digest(checkpoint.signature, _sign(checkpoint.seq, checkpoint.head, checkpoint.at)):
            return (
                count,
                f"Checkpoint of event #{checkpoint.seq} ({checkpoint.at}) has a bad signature: "
                "the anchor file was edited.",
            )
        found = hashes.get(checkpoint.seq)
        if found is None:
            return count, (
                f"Event #{checkpoint.seq}, checkpointed at {checkpoint.at}, is missing: the trail was cut after it "
                "was anchored."
            )
        if found != checkpoint.head:
            return count, (
                f"Event #{checkpoint.seq} no longer has the hash checkpointed at {checkpoint.at}: the chain up to "
                "it was rewritten."
            )
    return len(checkpoints), ""

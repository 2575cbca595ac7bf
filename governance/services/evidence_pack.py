"""Exporting a version's evidence pack: built from what the user may see, its SHA-256 recorded in the audit trail."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from governance import evidence_pack


@dataclass(frozen=True)
class ExportedPack:
    content: bytes
    sha256: str
    filename: str
    files: int


def evidence_pack_export(*, actor, version) -> ExportedPack:
    """Build the ZIP for a version the actor may see (the caller fetched it through a scoped selector) and
    append "evidence_pack.exported" with the hash of the whole ZIP, so a verifier can find it later."""
    now = timezone.now().replace(microsecond=0)
    pack = evidence_pack.collect(user=actor, version=version, now=now)
    content = evidence_pack.zip_bytes(pack)
    digest = evidence_pack.sha256(content)
    files = len(evidence_pack.JSON_FILES) + 3  # README.md, model_card.md, manifest.json
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=evidence_pack.EXPORT_ACTION,
            target=version,
            after={"sha256": digest, "files": files, "generated_at": now.isoformat()},
        )
    safe_name = "".join(c if c.isalnum() or c in "-_." else "-" for c in version.model.name)
    return ExportedPack(
        content=content,
        sha256=digest,
        filename=f"evidence-pack-{safe_name}-v{version.version}-{now:%Y%m%dT%H%M%SZ}.zip",
        files=files,
    )

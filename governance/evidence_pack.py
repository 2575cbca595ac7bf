"""The evidence pack of a model version: everything an auditor needs to see that the version reached its
stage with the assessments and sign-offs its risk required, in one ZIP of JSON and Markdown files.

Pure functions: `collect` reads through selectors (a bounded number of queries), `files` turns what was
collected into named documents, `zip_bytes` packs them with a manifest of SHA-256 digests, and `verify`
checks a ZIP against its own manifest. Recording the export in the audit trail is the service's job
(governance.services.evidence_pack)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q

from governance import cards, digest, required_evidence, selectors

MANIFEST = "manifest.json"
EXPORT_ACTION = "evidence_pack.exported"
FORMAT = "lodestar-evidence-pack/1"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": user.get_full_name() or user.get_username()}


user_summary = _user  # how a person appears in the sections other apps provide


@dataclass
class Pack:
    """What `collect` read for one version; plain dicts ready for JSON, plus the card for the Markdown."""

    version: object
    generated_at: object
    card: object
    bias_rows: list
    sections: dict = field(default_factory=dict)


def _version_section(version, content_digest: str) -> dict:
    model = version.model
    return {
        "id": version.pk,
        "model": {"id": model.pk, "name": model.name, "confidential": model.confidential},
        "version": version.version,
        "stage": version.stage,
        "digest": version.digest,
        "content_digest": content_digest,
        "mlflow_run_id": version.mlflow_run_id,
        "mlflow_version": version.mlflow_version,
        "source_uri": version.source_uri,
        "framework": version.framework,
        "serialization_format": version.serialization_format,
        "signature": version.signature,
        "metrics": version.metrics,
        "params": version.params,
        "code_commit": version.code_commit,
        "image_digest": version.image_digest,
        "code_review_url": version.code_review_url,
        "ci_run_url": version.ci_run_url,
        "submitted_by": _user(version.submitted_by),
        "created_at": version.created_at,
    }


def _use_case_section(use_case) -> dict:
    return {
        "id": use_case.pk,
        "code": use_case.code,
        "title": use_case.title,
        "business_unit": str(use_case.business_unit),
        "risk_tier": use_case.risk_tier,
        "problem_statement": use_case.problem_statement,
        "confidential": use_case.confidential,
    }


def _assessment_section(assessment) -> dict | None:
    if assessment is None:
        return None
    return {
        "id": assessment.pk,
        "status": assessment.status,
        "questionnaire": str(assessment.questionnaire),
        "answers": assessment.answers,
        "eu_category": assessment.eu_category,
        "tier": assessment.tier,
        "reasons": assessment.reasons,
        "author": _user(assessment.author),
        "submitted_at": assessment.submitted_at,
        "approved_by": _user(assessment.approved_by),
        "approved_at": assessment.approved_at,
        "reassessment_due": assessment.reassessment_due,
    }


def _sign_off(sign_off, content_digest: str) -> dict:
    return {
        "id": sign_off.pk,
        "signer_id": sign_off.signer_id,
        "signer_username": sign_off.signer.get_username(),
        "signer_name": sign_off.signer_name,
        "function": sign_off.function,
        "function_name": sign_off.function_name,
        "decision": sign_off.decision,
        "meaning": sign_off.meaning,
        "comment": sign_off.comment,
        "signed_at": sign_off.signed_at,
        "digest": sign_off.digest,
        "digest_matches_version": sign_off.digest == content_digest,
        "policy_version": sign_off.policy_version,
        "invalidated_at": sign_off.invalidated_at,
        "invalidated_reason": sign_off.invalidated_reason,
    }


def _review(review, content_digest: str) -> dict:
    return {
        "id": review.pk,
        "status": review.status,
        "policy_id": review.policy_id,
        "policy_snapshot": review.policy_snapshot,
        "opened_by": _user(review.opened_by),
        "opened_at": review.opened_at,
        "closed_at": review.closed_at,
        "sign_offs": [_sign_off(s, content_digest) for s in review.sign_offs.all()],
        "findings": [
            {
                "id": f.pk,
                "severity": f.severity,
                "status": f.status,
                "description": f.description,
                "response": f.response,
                "raised_by": _user(f.raised_by),
                "created_at": f.created_at,
            }
            for f in review.findings.all()
        ],
    }


def _bias(assessment) -> dict:
    return {
        "id": assessment.pk,
        "file_name": assessment.file_name,
        "file_sha256": assessment.file_sha256,
        "row_count": assessment.row_count,
        "reference_groups": assessment.reference_groups,
        "results": assessment.results,
        "thresholds": assessment.thresholds,
        "passed": assessment.passed,
        "failures": assessment.failures,
        "created_by": _user(assessment.created_by),
        "created_at": assessment.created_at,
    }


def _transition(transition) -> dict:
    return {
        "id": transition.pk,
        "from_stage": transition.from_stage,
        "to_stage": transition.to_stage,
        "actor": _user(transition.actor),
        "reason": transition.reason,
        "gate_results": transition.gate_results,
        "at": transition.at,
    }


def _dataset_link(link) -> dict:
    dataset = link.dataset
    return {
        "role": link.role,
        "dataset": {
            "id": dataset.pk,
            "name": dataset.name,
            "source_system": dataset.source_system,
            "sensitivity": dataset.sensitivity,
            "version_uri": dataset.version_uri,
            "synthetic": dataset.synthetic,
            "generated_from": dataset.generated_from.name if dataset.generated_from_id else None,
        },
        "schema_version": link.schema_version.number if link.schema_version_id else None,
    }


def _event(event) -> dict:
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor_name,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "changes": event.changes,
        "reason": event.reason,
        "hash": event.hash,
        "prev_hash": event.prev_hash,
    }


def _test_evidence(evidence, content_digest: str) -> dict:
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "method": evidence.method,
        "summary": evidence.summary,
        "results": evidence.results,
        "link": evidence.link,
        "reference": evidence.reference,
        "submitted_by": _user(evidence.submitted_by),
        "submitted_at": evidence.submitted_at,
        "version_digest": evidence.version_digest,
        "digest_matches_version": evidence.version_digest == content_digest,
        "status": evidence.status,
        "reviewed_by": _user(evidence.reviewed_by),
        "reviewed_at": evidence.reviewed_at,
        "review_comment": evidence.review_comment,
    }


def _test_evidence_section(version, policy: dict, content_digest: str) -> dict:
    """What the policy requires, the state of each requirement on the current content, and every row."""
    rows = list(version.test_evidence.select_related("submitted_by", "reviewed_by").order_by("-submitted_at", "-pk"))
    states = required_evidence.requirement_states(
        version, required=required_evidence.required_kinds(policy or {}), digest=content_digest, rows=rows
    )
    return {
        "requirements": [
            {"kind": r.kind, "label": r.label, "state": r.state, "evidence_id": r.evidence.pk if r.evidence else None}
            for r in states
        ],
        "evidence": [_test_evidence(row, content_digest) for row in reversed(rows)],
    }


# Sections another app holds (compliance: the controls and evidence of the use case and version); the app
# registers its provider in its AppConfig.ready(), as lifecycle's gates are filled. Without one the section
# is empty.
SECTION_PROVIDERS = {}
EMPTY_SECTIONS = {"compliance": {"coverage": [], "evidence": []}}


def register_section(name: str, provider) -> None:
    """`provider(*, user, version, now) -> dict` fills the section `name` of every pack."""
    SECTION_PROVIDERS[name] = provider


def _provided(name: str, **kwargs) -> dict:
    provider = SECTION_PROVIDERS.get(name)
    return provider(**kwargs) if provider else EMPTY_SECTIONS[name]


def collect(*, user, version, now) -> Pack:
    """Read every record of the pack for a version the user may see (the caller has checked that)."""
    from audit.models import AuditEvent
    from governance.choices import AssessmentStatus
    from governance.models import RiskAssessment

    use_case = version.model.use_case
    assessment = (
        RiskAssessment.objects.filter(use_case=use_case, status=AssessmentStatus.APPROVED)
        .select_related("questionnaire", "author", "approved_by")
        .order_by("-approved_at", "-pk")
        .first()
    )
    reviews = list(
        version.reviews.select_related("opened_by", "version")
        .prefetch_related("sign_offs__signer", "findings__raised_by")
        .order_by("opened_at", "pk")
    )
    card = selectors.model_card_of(version)
    bias_rows = list(version.bias_assessments.select_related("created_by").order_by("created_at", "pk"))
    transitions = list(version.transitions.select_related("actor").order_by("at", "pk"))
    links = list(version.dataset_links.all())
    targets = Q(target_type="lifecycle.modelversion", target_id=str(version.pk)) | Q(
        target_type="lifecycle.aimodel", target_id=str(version.model_id)
    )
    review_ids = [str(r.pk) for r in reviews]
    sign_off_ids = [str(s.pk) for r in reviews for s in r.sign_offs.all()]
    if review_ids:
        targets |= Q(target_type="governance.review", target_id__in=review_ids)
    if sign_off_ids:
        targets |= Q(target_type="governance.signoff", target_id__in=sign_off_ids)
    events = list(AuditEvent.objects.filter(targets).order_by("seq"))
    from governance.services import policy_for_version

    current_policy = policy_for_version(version)
    content_digest = digest.content_digest(version)

    pack = Pack(version=version, generated_at=now, card=card, bias_rows=bias_rows)
    pack.sections = {
        "version": _version_section(version, content_digest),
        "use_case": _use_case_section(use_case),
        "assessment": _assessment_section(assessment),
        "policy": current_policy,
        "reviews": [_review(r, content_digest) for r in reviews],
        "model_card": {
            "completeness": cards.completeness(card, version),
            "sections": [
                {"key": s.key, "title": s.title, "state": s.state, "missing": list(s.missing)}
                for s in cards.sections(card, version)
            ],
            "fields": {name: getattr(card, name) for name in cards.CARD_TEXT_FIELDS} if card else None,
            "updated_by": _user(card.updated_by) if card else None,
            "updated_at": card.updated_at if card else None,
        },
        "bias_assessments": [_bias(b) for b in bias_rows],
        "test_evidence": _test_evidence_section(version, current_policy, content_digest),
        "compliance": _provided("compliance", user=user, version=version, now=now),
        "transitions": [_transition(t) for t in transitions],
        "datasets": [_dataset_link(link) for link in links],
        "audit_events": [_event(e) for e in events],
    }
    return pack


# --- Files --------------------------------------------------------------------------------------------------

# file name -> the section it holds; the order is the order of the manifest and of the printable page.
JSON_FILES = (
    ("version.json", "version"),
    ("use_case.json", "use_case"),
    ("impact_assessment.json", "assessment"),
    ("review_policy.json", "policy"),
    ("reviews_and_sign_offs.json", "reviews"),
    ("model_card.json", "model_card"),
    ("bias_assessments.json", "bias_assessments"),
    ("test_evidence.json", "test_evidence"),
    ("compliance.json", "compliance"),
    ("stage_transitions.json", "transitions"),
    ("datasets.json", "datasets"),
    ("audit_events.json", "audit_events"),
)


def _json(value) -> bytes:
    return (json.dumps(value, cls=DjangoJSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _cell(text: str) -> str:
    """Free text inside a Markdown table cell: one line, no column breaks."""
    return " ".join((text or "").split()).replace("|", "\\|")


def _summary(pack: Pack) -> str:
    s, version = pack.sections, pack.version
    out = [
        f"# Evidence pack: {version.model.name} v{version.version}",
        "",
        f"- Generated: {pack.generated_at:%Y-%m-%d %H:%M:%S} UTC",
        f"- Use case: {s['use_case']['code']} {s['use_case']['title']}",
        f"- Stage: {version.get_stage_display()}",
        f"- Content digest (what sign-offs are bound to): `{s['version']['content_digest']}`",
        "",
        "## Impact assessment",
        "",
    ]
    a = s["assessment"]
    if a:
        out += [f"- EU AI Act category: {a['eu_category']}", f"- Tier: {a['tier']}", "- Reasons:"]
        out += [f"  - {reason}" for reason in a["reasons"]] or ["  - none recorded"]
    else:
        out.append("No approved impact assessment.")
    out += ["", "## Reviews and sign-offs", ""]
    for review in s["reviews"]:
        out += [
            f"### Review #{review['id']} ({review['status']}, policy v{review['policy_snapshot'].get('version')})",
            "",
        ]
        out += [
            "| signer | function | decision | meaning | comment | signed at (UTC) | digest | policy | valid |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for so in review["sign_offs"]:
            out.append(
                f"| {so['signer_name']} (#{so['signer_id']}) | {so['function_name']} | {so['decision']} | "
                f"{_cell(so['meaning'])} | {_cell(so['comment'])} | {so['signed_at']:%Y-%m-%d %H:%M:%S} | "
                f"`{so['digest']}` | v{so['policy_version']} | {'invalidated' if so['invalidated_at'] else 'yes'} |"
            )
        out.append("")
    if not s["reviews"]:
        out += ["No review.", ""]
    out += ["## Required test evidence", ""]
    requirements = s["test_evidence"]["requirements"]
    out += [
        f"- {r['label']}: {r['state']}" + (f" (#{r['evidence_id']})" if r["evidence_id"] else "") for r in requirements
    ]
    out += ([] if requirements else ["None required."]) + [""]
    out += ["## Stage transitions", ""]
    out += [f"- {t['at']:%Y-%m-%d %H:%M} {t['from_stage']} → {t['to_stage']}" for t in s["transitions"]] or ["None."]
    out += ["", "## Files", ""]
    out += [f"- `{name}`" for name, _ in JSON_FILES] + ["- `model_card.md`", f"- `{MANIFEST}` (SHA-256 of every file)"]
    return "\n".join(out) + "\n"


def files(pack: Pack) -> dict[str, bytes]:
    """Every file of the pack except the manifest, by name."""
    result = {"README.md": _summary(pack).encode()}
    for name, key in JSON_FILES:
        result[name] = _json(pack.sections[key])
    result["model_card.md"] = cards.markdown(pack.card, pack.version, bias_assessments=pack.bias_rows).encode()
    return result


def manifest(pack: Pack, contents: dict[str, bytes]) -> dict:
    return {
        "format": FORMAT,
        "version_id": pack.version.pk,
        "version": str(pack.version),
        "generated_at": pack.generated_at,
        "files": [{"name": name, "size": len(data), "sha256": sha256(data)} for name, data in contents.items()],
    }


def zip_bytes(pack: Pack) -> bytes:
    """The ZIP: every file and the manifest, stamped with the time of the pack."""
    contents = files(pack)
    contents[MANIFEST] = _json(manifest(pack, contents))
    stamp = pack.generated_at.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# --- Verification ----------------------------------------------------------------------------------------------


@dataclass
class Verification:
    sha256: str
    matched: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    version_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(data: bytes) -> Verification:
    """Check every file of a ZIP against its manifest (missing, extra or altered files are problems)."""
    report = Verification(sha256=sha256(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        listed = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        report.problems.append(f"not a readable evidence pack: {exc}")
        return report
    report.version_id = listed.get("version_id")
    seen = {MANIFEST}
    for entry in listed.get("files", []):
        name = entry.get("name", "")
        seen.add(name)
        if name not in names:
            report.problems.append(f"{name}: listed in the manifest but missing from the ZIP")
            continue
        try:
            actual = sha256(archive.read(name))
        except (zipfile.BadZipFile, OSError) as exc:  # a damaged member fails its CRC check
            report.problems.append(f"{name}: cannot be read ({exc})")
            continue
        if actual != entry.get("sha256"):
            report.problems.append(f"{name}: SHA-256 {actual} does not match the manifest's {entry.get('sha256')}")
        else:
            report.matched.append(name)
    for name in sorted(names - seen):
        report.problems.append(f"{name}: in the ZIP but not in the manifest")
    return report

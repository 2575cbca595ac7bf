"""Frameworks are data: an admin imports a new framework, or a new revision of one, from YAML or JSON. The
document is validated (each error names the path of the bad field) and compared with the current revision
before anything is written; applying it is audited with the diff."""

import json
from dataclasses import dataclass, field

import yaml
from django.db import transaction

from audit import services as audit
from compliance.models import Control, ControlRequirement, Framework, Requirement
from core.exceptions import ApplicationError, NotAllowed

MAX_DOCUMENT_BYTES = 1024 * 1024
LIMITS = {"code": 40, "name": 200, "revision": 60, "reference": 60, "title": 200, "summary": 4000}


@dataclass
class FrameworkDiff:
    """What applying a document would change against the current revision."""

    code: str
    name: str
    revision: str
    new_framework: bool
    framework_changes: dict[str, list] = field(default_factory=dict)  # field: [current, imported]
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # {"reference", "changes": {field: [current, imported]}}

    @property
    def empty(self) -> bool:
        return not (self.new_framework or self.framework_changes or self.added or self.removed or self.changed)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "revision": self.revision,
            "new_framework": self.new_framework,
            "framework_changes": self.framework_changes,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
        }


def framework_document_parse(content: bytes | str, *, filename: str = "") -> dict:
    """The document in a YAML or JSON file (JSON is YAML too; the name only picks the error message)."""
    raw = content.encode() if isinstance(content, str) else content
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise ApplicationError("file: a framework file is at most 1 MB.", details={"file": ["Too large."]})
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApplicationError("file: the file must be UTF-8 text.", details={"file": ["Not UTF-8."]}) from None
    try:
        document = json.loads(text) if filename.lower().endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if filename.lower().endswith(".json") else "YAML"
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        raise ApplicationError(
            f"file: not valid {kind}: {first_line}", details={"file": [f"Not valid {kind}."]}
        ) from None
    return document


def _text(errors: dict, path: str, value, *, key: str, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            errors[path] = ["Required."]
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # `revision: 2023` or `reference: 6.1` in YAML are numbers
    if not isinstance(value, str):
        errors[path] = ["Must be text."]
        return ""
    value = value.strip()
    if len(value) > LIMITS[key]:
        errors[path] = [f"At most {LIMITS[key]} characters."]
    return value


def framework_document_validate(document) -> dict:
    """A clean document, or a 400 whose errors are keyed by the path of each bad field
    (`requirements[2].reference`)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(document, dict):
        raise ApplicationError("The framework file must hold one mapping (code, name, revision, requirements).")
    clean = {key: _text(errors, key, document.get(key), key=key) for key in ("code", "name", "revision")}
    clean["summary"] = _text(errors, "summary", document.get("summary"), key="summary", required=False)
    if clean["code"] and not all(c.isascii() and (c.isalnum() or c in "-_") for c in clean["code"]):
        errors["code"] = ["Letters, digits, hyphens and underscores only."]
    unknown = sorted(set(document) - {"code", "name", "revision", "summary", "requirements"})
    for key in unknown:
        errors[str(key)] = ["Unknown field."]
    rows = document.get("requirements")
    requirements = []
    if not isinstance(rows, list) or not rows:
        errors["requirements"] = ["A non-empty list of requirements."]
        rows = []
    known_controls = set(Control.objects.values_list("code", flat=True))
    seen = set()
    for i, row in enumerate(rows):
        path = f"requirements[{i}]"
        if not isinstance(row, dict):
            errors[path] = ["Must be a mapping with reference, title and summary."]
            continue
        for key in sorted(set(row) - {"reference", "title", "summary", "controls"}):
            errors[f"{path}.{key}"] = ["Unknown field."]
        item = {
            "reference": _text(errors, f"{path}.reference", row.get("reference"), key="reference"),
            "title": _text(errors, f"{path}.title", row.get("title"), key="title"),
            "summary": _text(errors, f"{path}.summary", row.get("summary"), key="summary", required=False),
        }
        if item["reference"] in seen:
            errors[f"{path}.reference"] = [f"“{item['reference']}” appears twice."]
        seen.add(item["reference"])
        if "controls" in row:
            controls = row["controls"]
            if not isinstance(controls, list) or not all(isinstance(c, str) for c in controls):
                errors[f"{path}.controls"] = ["A list of control codes."]
            else:
                missing = [c for c in controls if c not in known_controls]
                if missing:
                    errors[f"{path}.controls"] = [f"Unknown control {', '.join(missing)}."]
                item["controls"] = sorted(set(controls))
        requirements.append(item)
    if errors:
        listed = "; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in errors.items())
        raise ApplicationError(f"Invalid framework file: {listed}", details=errors)
    clean["requirements"] = requirements
    return clean


def framework_diff(document: dict) -> FrameworkDiff:
    """Compare a validated document with the current revision of its framework."""
    framework = Framework.objects.filter(code=document["code"]).first()
    diff = FrameworkDiff(
        code=document["code"], name=document["name"], revision=document["revision"], new_framework=framework is None
    )
    current: dict[str, Requirement] = {}
    mapped: dict[int, list[str]] = {}
    if framework is not None:
        for key in ("name", "revision", "summary"):
            if getattr(framework, key) != document[key]:
                diff.framework_changes[key] = [getattr(framework, key), document[key]]
        current = {r.reference: r for r in framework.requirements.filter(withdrawn=False)}
        for link in ControlRequirement.objects.filter(requirement__framework=framework).select_related("control"):
            mapped.setdefault(link.requirement_id, []).append(link.control.code)
    imported = {row["reference"]: row for row in document["requirements"]}
    for reference, row in imported.items():
        requirement = current.get(reference)
        if requirement is None:
            diff.added.append(row)
            continue
        changes = {
            k: [getattr(requirement, k), row[k]] for k in ("title", "summary") if getattr(requirement, k) != row[k]
        }
        if "controls" in row and sorted(mapped.get(requirement.pk, [])) != row["controls"]:
            changes["controls"] = [sorted(mapped.get(requirement.pk, [])), row["controls"]]
        if changes:
            diff.changed.append({"reference": reference, "changes": changes})
    diff.removed = [
        {"reference": r.reference, "title": r.title} for reference, r in current.items() if reference not in imported
    ]
    return diff


@transaction.atomic
def framework_import(*, actor, document, apply: bool = False) -> FrameworkDiff:
    """Validate a framework document and return its diff; with `apply`, write it (audited). A changed
    framework needs a new revision; importing the current revision unchanged writes nothing."""
    if not actor.has_perm("compliance.import_framework"):
        raise NotAllowed("Only platform admins import compliance frameworks.")
    document = framework_document_validate(document)
    diff = framework_diff(document)
    if not apply or diff.empty:
        return diff
    framework = Framework.objects.select_for_update().filter(code=document["code"]).first()
    if framework is not None and framework.revision == document["revision"]:
        raise ApplicationError(
            f"revision: the framework changed but its revision is still “{framework.revision}”; name the new revision.",
            details={"revision": ["Same as the current revision."]},
        )
    if framework is None:
        framework = Framework(code=document["code"])
    framework.name, framework.revision, framework.summary = document["name"], document["revision"], document["summary"]
    framework.save()
    controls = {c.code: c for c in Control.objects.all()}
    existing = {r.reference: r for r in framework.requirements.all()}
    for row in document["requirements"]:
        requirement = existing.get(row["reference"])
        if requirement is None:
            requirement = Requirement.objects.create(
                framework=framework, reference=row["reference"], title=row["title"], summary=row["summary"]
            )
        else:
            requirement.title, requirement.summary, requirement.withdrawn = row["title"], row["summary"], False
            requirement.save(update_fields=["title", "summary", "withdrawn"])
        if "controls" in row:
            ControlRequirement.objects.filter(requirement=requirement).exclude(
                control__code__in=row["controls"]
            ).delete()
            for code in row["controls"]:
                ControlRequirement.objects.get_or_create(control=controls[code], requirement=requirement)
    removed = [row["reference"] for row in diff.removed]
    Requirement.objects.filter(framework=framework, reference__in=removed).update(withdrawn=True)
    audit.record(
        actor=actor,
        action="framework.imported",
        target=framework,
        reason=f"Revision {framework.revision}",
        after=diff.as_dict(),
    )
    return diff

"""Datasets and lineage: registering datasets and their schemas, privacy treatment, linking them to
versions, and importing them from a data catalogue (CSV or OpenLineage events)."""

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import require, require_model_perm
from lifecycle.choices import Stage
from lifecycle.models import Dataset, DatasetSchemaVersion, ModelVersion, PrivacyTreatment, VersionDataset
from notifications.services import notify
from portfolio.models import BusinessUnit
from portfolio.services.base import validate

CLOSED_STAGES = (Stage.RETIRED, Stage.REJECTED)
DATASET_FIELDS = (
    "description",
    "source_system",
    "steward",
    "business_unit",
    "sensitivity",
    "personal_data",
    "lawful_basis",
    "treatment",
    "update_frequency",
    "mode",
    "retention_days",
    "version_uri",
    "completeness",
    "synthetic",
    "generation_method",
    "generated_from",
)


def _check_synthetic(dataset: Dataset) -> None:
    if dataset.synthetic and not dataset.generation_method.strip():
        raise ApplicationError(
            "generation_method: say how the synthetic data was generated (tool, model, parameters).",
            details={"generation_method": ["Required for synthetic data."]},
        )


def _check_privacy(dataset: Dataset) -> None:
    """Personal data is processed on a lawful basis, and its treatment is declared; data that is not personal
    carries neither (a basis on it would read as if it were)."""
    if dataset.personal_data:
        if not dataset.lawful_basis:
            raise ApplicationError(
                "lawful_basis: personal data needs the lawful basis it is processed on (e.g. contract, consent).",
                details={"lawful_basis": ["Required for personal data."]},
            )
        if not dataset.treatment:
            raise ApplicationError(
                "treatment: say how the personal data was treated (choose “None” if it is used as collected).",
                details={"treatment": ["Required for personal data."]},
            )
    elif dataset.lawful_basis or dataset.treatment:
        raise ApplicationError(
            "personal_data: a lawful basis and a treatment apply to personal data only; tick “personal data” "
            "or clear them.",
            details={"personal_data": ["A lawful basis or treatment is given for data that is not personal."]},
        )


def _snapshot(dataset: Dataset) -> dict:
    return {f: str(getattr(dataset, f)) if getattr(dataset, f) is not None else None for f in DATASET_FIELDS}


@transaction.atomic
def dataset_register(*, actor, name: str, columns: list | None = None, **fields) -> Dataset:
    """A dataset in the catalogue, with its first schema when the columns are known."""
    require_model_perm(actor, Dataset, "add", business_unit=fields.get("business_unit"))
    name = require_text(name, field="name", hint="name the dataset as the catalogue does.")
    if Dataset.objects.filter(name=name).exists():
        raise Conflict(f"name: a dataset called “{name}” is already registered.", details={"name": ["Duplicate."]})
    dataset = Dataset(name=name, **fields)
    _check_synthetic(dataset)
    _check_privacy(dataset)
    validate(dataset)
    dataset.save()
    audit.record(actor=actor, action="dataset.registered", target=dataset, after={"name": name, **_snapshot(dataset)})
    if columns:
        dataset_schema_register(actor=actor, dataset=dataset, columns=columns)
    return dataset


@transaction.atomic
def dataset_update(*, actor, dataset: Dataset, **changes) -> Dataset:
    require(actor, "change", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if "business_unit" in changes and changes["business_unit"] != dataset.business_unit:
        # Moving a dataset to another unit needs the right there too (no write outside one's scope).
        require_model_perm(actor, Dataset, "change", business_unit=changes["business_unit"])
    before = _snapshot(dataset)
    for key, value in changes.items():
        if key not in DATASET_FIELDS:
            raise ApplicationError(f"{key}: this field cannot be changed here.", details={key: ["Not editable."]})
        setattr(dataset, key, value)
    _check_synthetic(dataset)
    _check_privacy(dataset)
    validate(dataset)
    dataset.save()
    audit.record(actor=actor, action="dataset.updated", target=dataset, before=before, after=_snapshot(dataset))
    return dataset


def _normalise_columns(columns) -> list[dict]:
    if not isinstance(columns, list) or not columns:
        raise ApplicationError("columns: give at least one column as {name, type}.", details={"columns": ["Empty."]})
    seen, result = set(), []
    for column in columns:
        if not isinstance(column, dict) or not str(column.get("name", "")).strip():
            raise ApplicationError(
                "columns: every column needs a name.", details={"columns": ["A column has no name."]}
            )
        name = str(column["name"]).strip()
        if name in seen:
            raise ApplicationError(f"columns: “{name}” appears twice.", details={"columns": [f"Duplicate {name}."]})
        seen.add(name)
        result.append({"name": name, "type": str(column.get("type", "")).strip().lower() or "unknown"})
    return result


def schema_changes(previous: list[dict], current: list[dict]) -> tuple[list[str], bool]:
    """Sentences describing the change, and whether it breaks readers (a column removed or retyped)."""
    before = {c["name"]: c["type"] for c in previous}
    after = {c["name"]: c["type"] for c in current}
    removed = sorted(set(before) - set(after))
    retyped = sorted(n for n in set(before) & set(after) if before[n] != after[n])
    added = sorted(set(after) - set(before))
    changes = [f"Column {n} removed." for n in removed]
    changes += [f"Column {n} changed from {before[n]} to {after[n]}." for n in retyped]
    changes += [f"Column {n} added ({after[n]})." for n in added]
    return changes, bool(removed or retyped)


def dependent_versions(dataset: Dataset):
    """Live versions that use the dataset (the ones a schema change can hurt)."""
    return (
        ModelVersion.objects.filter(dataset_links__dataset=dataset)
        .exclude(stage__in=CLOSED_STAGES)
        .select_related("model")
        .prefetch_related("model__owners")
        .distinct()
    )


@transaction.atomic
def dataset_schema_register(*, actor, dataset: Dataset, columns) -> DatasetSchemaVersion:
    """A new schema version; a breaking one is flagged to the owners of every live version that uses it."""
    require(actor, "change", dataset)
    columns = _normalise_columns(columns)
    previous = dataset.schema_versions.select_for_update().order_by("-number").first()
    if previous and previous.columns == columns:
        raise Conflict(f"{dataset} already has this schema (version {previous.number}).")
    changes, breaking = schema_changes(previous.columns, columns) if previous else (["First schema."], False)
    schema = DatasetSchemaVersion.objects.create(
        dataset=dataset,
        number=(previous.number + 1) if previous else 1,
        columns=columns,
        breaking=breaking,
        changes=changes,
        registered_by=actor,
    )
    affected = list(dependent_versions(dataset)) if breaking else []
    audit.record(
        actor=actor,
        action="dataset.schema_registered",
        target=dataset,
        after={
            "schema": schema.number,
            "breaking": breaking,
            "changes": changes,
            "affected": [str(v) for v in affected],
        },
    )
    # One message per model: its owners learn of their own versions, not of models they may not see.
    by_model = {}
    for version in affected:
        by_model.setdefault(version.model_id, []).append(version)
    for versions in by_model.values():
        notify(
            recipients=versions[0].model.owners.all(),
            subject=f"Breaking schema change in {dataset}",
            body=" ".join(changes) + " Affected: " + ", ".join(str(v) for v in versions) + ".",
            url=reverse("lifecycle:dataset_detail", args=[dataset.pk]),
            category="dataset",
            about=versions[0].model,
        )
    return schema


def _check_dp_params(method: str, epsilon, delta) -> None:
    """Differential privacy is stated by its budget: epsilon > 0 and, if given, 0 <= delta < 1."""
    if method == PrivacyTreatment.Method.DIFFERENTIAL_PRIVACY and epsilon is None:
        raise ApplicationError(
            "dp_epsilon: differential privacy needs its epsilon.", details={"dp_epsilon": ["Required."]}
        )
    if epsilon is not None and not epsilon > 0:
        raise ApplicationError(
            f"dp_epsilon: epsilon is a privacy budget greater than 0, not {epsilon}.",
            details={"dp_epsilon": ["Greater than 0."]},
        )
    if delta is not None and not 0 <= delta < 1:
        raise ApplicationError(
            f"dp_delta: delta is a probability from 0 up to (not including) 1, not {delta}.",
            details={"dp_delta": ["From 0 to below 1."]},
        )


@transaction.atomic
def privacy_treatment_record(*, actor, dataset: Dataset, method: str, technique: str, **params) -> PrivacyTreatment:
    """Restricted personal data is modelled only once someone other than its steward approved its treatment."""
    if not actor.has_perm("lifecycle.add_privacytreatment"):
        raise NotAllowed(
            "Only a privacy approver (a review board member) may approve a privacy treatment: ask one who does not "
            "steward this dataset to record it on the dataset's privacy treatment page."
        )
    require_model_perm(actor, PrivacyTreatment, "add")
    require(actor, "view", dataset)
    if dataset.steward_id == actor.pk:
        raise NotAllowed("You steward this dataset; someone independent must approve its privacy treatment.")
    if not dataset.needs_privacy_treatment:
        raise Conflict(
            f"{dataset} is not restricted personal data: its treatment is declared on the dataset, no approval needed.",
            details={"method": ["Not restricted personal data."]},
        )
    if method not in PrivacyTreatment.Method.values:
        raise ApplicationError(
            f"method: one of {', '.join(PrivacyTreatment.Method.values)}.", details={"method": ["Unknown method."]}
        )
    technique = require_text(technique, field="technique", hint="describe the technique and its parameters.")
    _check_dp_params(method, params.get("dp_epsilon"), params.get("dp_delta"))
    treatment = PrivacyTreatment.objects.filter(dataset=dataset).first() or PrivacyTreatment(dataset=dataset)
    before = (
        {"method": treatment.method, "technique": treatment.technique, "approved_by": str(treatment.approved_by)}
        if treatment.pk
        else None
    )
    treatment.method, treatment.technique, treatment.approved_by = method, technique, actor
    treatment.dp_epsilon, treatment.dp_delta = params.get("dp_epsilon"), params.get("dp_delta")
    validate(treatment)
    treatment.save()
    audit.record(
        actor=actor,
        action="dataset.privacy_treatment_approved",
        target=dataset,
        before=before,
        after={"method": method, "technique": technique, **{k: v for k, v in params.items() if v is not None}},
    )
    return treatment


def _refresh_digest(version: ModelVersion) -> str:
    """Recompute and store the digest after its data changed (the caller holds the version's row lock);
    returns the digest before."""
    from lifecycle.services import version_digest

    before, version.digest = version.digest, version_digest(version)
    if version.digest != before:
        version.save(update_fields=["digest", "updated_at"])
    return before


def _open_for_data(version: ModelVersion) -> ModelVersion:
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    if version.stage not in (Stage.REGISTERED, Stage.IN_VALIDATION):
        raise Conflict(
            f"{version} is {version.get_stage_display().lower()}: its datasets can no longer change. "
            "Register a new version to train on other data."
        )
    return version


@transaction.atomic
def version_dataset_link(
    *, actor, version: ModelVersion, dataset: Dataset, role: str, revision: str = "", content_hash: str = ""
) -> VersionDataset:
    """Record that a version used a dataset, pinned to the dataset's current schema and the exact revision
    (MLflow dataset digest, DVC or lakeFS commit) and content hash given. The data is part of the version's
    digest: linking it, or changing its revision, changes the digest, and so resets any sign-off."""
    require(actor, "change", version.model)
    require(actor, "view", dataset)
    if role not in VersionDataset.Role.values:
        raise ApplicationError(
            f"role: one of {', '.join(VersionDataset.Role.values)}.", details={"role": ["Unknown role."]}
        )
    revision, content_hash = (revision or "").strip(), (content_hash or "").strip().lower()
    if len(revision) > 200 or len(content_hash) > 128:
        raise ApplicationError(
            "revision: at most 200 characters, and the content hash at most 128.",
            details={"revision": ["Too long."]},
        )
    if content_hash and not all(c in "0123456789abcdef:" for c in content_hash):
        raise ApplicationError(
            "content_hash: give the hash in hexadecimal (e.g. the SHA-256 of the data files).",
            details={"content_hash": ["Not a hexadecimal hash."]},
        )
    version = _open_for_data(version)  # the stage as it is now
    link, created = VersionDataset.objects.get_or_create(
        version=version,
        dataset=dataset,
        role=role,
        defaults={
            "schema_version": dataset.schema_versions.order_by("-number").first(),
            "revision": revision,
            "content_hash": content_hash,
        },
    )
    before = None
    if not created:
        if (link.revision, link.content_hash) == (revision, content_hash):
            return link
        before = {"revision": link.revision, "content_hash": link.content_hash}
        link.revision, link.content_hash = revision, content_hash
        link.save(update_fields=["revision", "content_hash"])
    old_digest = _refresh_digest(version)
    audit.record(
        actor=actor,
        action="model_version.dataset_linked" if created else "model_version.dataset_revision_changed",
        target=version,
        before={**(before or {}), "digest": old_digest},
        after={
            "dataset": str(dataset),
            "role": role,
            "revision": revision,
            "content_hash": content_hash,
            "digest": version.digest,
        },
    )
    return link


@transaction.atomic
def version_dataset_unlink(*, actor, link: VersionDataset, reason: str) -> None:
    """Take back a dataset linked by mistake, while the version's data may still change."""
    require(actor, "change", link.version.model)
    reason = require_text(reason, field="reason", hint="say why the version did not use this data.")
    version = _open_for_data(link.version)
    before = {"dataset": str(link.dataset), "role": link.role, "revision": link.revision, "digest": version.digest}
    link.delete()
    _refresh_digest(version)
    audit.record(
        actor=actor,
        action="model_version.dataset_unlinked",
        target=version,
        reason=reason,
        before=before,
        after={"digest": version.digest},
    )


MLFLOW_CONTEXT_ROLES = {"training": "training", "train": "training", "validation": "validation", "eval": "validation"}


def datasets_link_from_mlflow(*, actor, version: ModelVersion, inputs: list[dict]) -> list[VersionDataset]:
    """The run's dataset inputs as lineage: each dataset is found by name or registered (with its schema and
    the digest in its version URI), then linked in the role its MLflow context names (else reference)."""
    links = []
    for found in inputs:
        dataset = Dataset.objects.filter(name=found["name"]).first()
        uri = f"{found['source']}#{found['digest']}" if found["digest"] else found["source"]
        if dataset is None:
            dataset = dataset_register(
                actor=actor,
                name=found["name"],
                source_system=found["source_type"],
                version_uri=uri[:1000],
                business_unit=version.model.use_case.business_unit,
                columns=found["columns"] or None,
            )
        elif found["columns"]:
            latest = dataset.schema_versions.order_by("-number").first()
            if latest is None or latest.columns != _normalise_columns(found["columns"]):
                dataset_schema_register(actor=actor, dataset=dataset, columns=found["columns"])
        role = MLFLOW_CONTEXT_ROLES.get(found["context"].lower(), VersionDataset.Role.REFERENCE)
        links.append(
            version_dataset_link(
                actor=actor, version=version, dataset=dataset, role=role, revision=(found["digest"] or "")[:200]
            )
        )
    return links


def datasets_ready(version: ModelVersion) -> str | None:
    """Gate before review: training data is recorded, and restricted personal data has an approved treatment."""
    links = list(version.dataset_links.select_related("dataset__privacy_treatment"))
    if not any(link.role == VersionDataset.Role.TRAINING for link in links):
        return "No training dataset is recorded for this version: link the data it was trained on."
    untreated = sorted(
        {
            link.dataset.name
            for link in links
            if link.dataset.needs_privacy_treatment and not hasattr(link.dataset, "privacy_treatment")
        }
    )
    if untreated:
        return (
            f"{', '.join(untreated)} hold restricted personal data without an approved privacy treatment: "
            "record how it was anonymised or pseudonymised."
        )
    no_basis = sorted(
        {link.dataset.name for link in links if link.dataset.personal_data and not link.dataset.lawful_basis}
    )
    if no_basis:
        return f"{', '.join(no_basis)} hold personal data with no lawful basis recorded: record it on the dataset."
    return None


# --- Catalogue import -------------------------------------------------------------------------------

CSV_COLUMNS = ("name", *[f for f in DATASET_FIELDS if f != "generated_from"])
MAX_IMPORT_ITEMS = 5000
PRIVACY_COLUMNS = ("personal_data", "lawful_basis", "treatment")


@dataclass
class CatalogueImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _parse_csv_row(raw: dict, line: int, users: dict, units: dict) -> dict:
    errors, row = [], {}
    for key in CSV_COLUMNS:
        if key in PRIVACY_COLUMNS and key not in raw:
            continue  # a catalogue export without privacy columns leaves what is recorded alone
        value = (raw.get(key) or "").strip()
        if key in ("steward", "business_unit"):
            table = users if key == "steward" else units
            if value and value not in table:
                errors.append(f"{key} “{value}” is unknown")
            row[key] = table.get(value)
        elif key == "retention_days":
            if value and not value.isdigit():
                errors.append("retention_days must be a whole number of days")
            row[key] = int(value) if value.isdigit() else None
        elif key == "completeness":
            try:
                row[key] = Decimal(value) if value else None
            except InvalidOperation:
                errors.append("completeness must be a number between 0 and 100")
        elif key in ("synthetic", "personal_data"):
            row[key] = value.lower() in {"yes", "true", "1", "y"}
        else:
            row[key] = value
    if row.get("sensitivity") == "":
        row.pop("sensitivity")
    if row.get("mode") == "":
        row.pop("mode")
    if errors:
        raise ApplicationError(f"line {line}: " + "; ".join(errors) + ".")
    return row


def datasets_import_csv(*, actor, file_text: str) -> CatalogueImport:
    """Import a catalogue export as CSV: every row or none (a refused row names its line)."""
    reader = csv.DictReader(io.StringIO(file_text))
    if "name" not in (reader.fieldnames or []):
        raise ApplicationError(f"The file has no name column. Expected columns: {', '.join(CSV_COLUMNS)}.")
    rows = list(reader)
    if len(rows) > MAX_IMPORT_ITEMS:
        raise ApplicationError(f"The file has {len(rows)} rows; import at most {MAX_IMPORT_ITEMS} at a time.")
    users = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    units = {u.code: u for u in BusinessUnit.objects.all()}
    report = CatalogueImport()
    parsed = []
    for line, raw in enumerate(rows, start=2):
        try:
            parsed.append((line, _parse_csv_row(raw, line, users, units)))
        except ApplicationError as exc:
            report.errors.append(exc.message)
    if report.errors:
        return report
    return _apply(actor=actor, items=[(f"line {line}", row, None) for line, row in parsed], report=report)


def _apply(*, actor, items, report: CatalogueImport) -> CatalogueImport:
    """Create or update each dataset (and register changed schemas), all in one transaction."""
    try:
        with transaction.atomic():
            existing = {d.name: d for d in Dataset.objects.filter(name__in=[row["name"] for _, row, _ in items])}
            for where, row, columns in items:
                name = row.pop("name")
                try:
                    dataset = existing.get(name)
                    if dataset is None:
                        dataset = dataset_register(actor=actor, name=name, **row)
                        existing[name] = dataset
                        report.created.append(name)
                    elif row:
                        dataset_update(actor=actor, dataset=dataset, **row)
                        report.updated.append(name)
                    if columns:
                        latest = dataset.schema_versions.order_by("-number").first()
                        if latest is None or latest.columns != _normalise_columns(columns):
                            schema = dataset_schema_register(actor=actor, dataset=dataset, columns=columns)
                            report.schemas.append(f"{name} schema {schema.number}")
                except ApplicationError as exc:
                    report.errors.append(f"{where} ({name}): {exc.message}")
                    raise
    except ApplicationError:
        report.created, report.updated, report.schemas = [], [], []
    return report


def datasets_import_openlineage(*, actor, file_text: str) -> CatalogueImport:
    """Import the input and output datasets of OpenLineage run events (a JSON list or one event per line),
    with their schema facets; the namespace becomes the source system."""
    text = file_text.strip()
    try:
        events = json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines() if line]
    except json.JSONDecodeError as exc:
        raise ApplicationError(f"The file is not OpenLineage JSON: {exc.msg} at line {exc.lineno}.") from exc
    if not isinstance(events, list) or len(events) > MAX_IMPORT_ITEMS:
        raise ApplicationError(f"Give a list of at most {MAX_IMPORT_ITEMS} OpenLineage events.")
    found: dict[str, tuple[dict, list | None]] = {}
    for index, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            raise ApplicationError(f"event {index}: not a JSON object.")
        for entry in [*(event.get("inputs") or []), *(event.get("outputs") or [])]:
            if not isinstance(entry, dict) or not entry.get("name"):
                raise ApplicationError(f"event {index}: a dataset without a name.")
            facets = entry.get("facets") or {}
            fields = (facets.get("schema") or {}).get("fields")
            columns = [{"name": f.get("name"), "type": f.get("type", "")} for f in fields] if fields else None
            owners = (facets.get("ownership") or {}).get("owners") or []
            row = {"name": str(entry["name"])[:300], "source_system": str(entry.get("namespace", ""))[:200]}
            if owners and isinstance(owners[0], dict):
                row["description"] = f"Owner in the catalogue: {owners[0].get('name', '')}"[:1000]
            found[row["name"]] = (row, columns or found.get(row["name"], ({}, None))[1])
    report = CatalogueImport()
    return _apply(actor=actor, items=[(f"dataset {n}", row, cols) for n, (row, cols) in found.items()], report=report)

"""What a signature is bound to: the content digest of a version, and the one table that says which
fields of a version, a review and a model card are material (change them and every sign-off on them goes stale)."""

import hashlib
import json

MATERIAL = "material"
NOT_MATERIAL = "not material"

# Every field of ModelVersion and Review, classified. A test fails when a field is missing here.
FIELD_CLASSES: dict[str, dict[str, str]] = {
    "lifecycle.ModelVersion": {
        "id": NOT_MATERIAL,  # identity, not content
        "created_at": NOT_MATERIAL,
        "updated_at": NOT_MATERIAL,
        "model": MATERIAL,  # which model (and so which use case and intended use) the artefact serves
        "version": MATERIAL,
        "mlflow_version": MATERIAL,
        "mlflow_run_id": MATERIAL,  # the training run: its data references and lineage
        "source_uri": MATERIAL,  # the artefact
        "framework": MATERIAL,
        "serialization_format": MATERIAL,
        "signature": MATERIAL,
        "metrics": MATERIAL,
        "params": MATERIAL,  # training configuration and training-data references
        "code_commit": MATERIAL,  # build provenance: the code that was built
        "image_digest": MATERIAL,  # and the artefact that will run
        "code_review_url": NOT_MATERIAL,  # evidence about the commit, not the content
        "ci_run_url": NOT_MATERIAL,
        "stage": NOT_MATERIAL,  # workflow state, moved by the review itself
        "digest": MATERIAL,  # lifecycle's manifest digest (artefact digest), recomputed from the fields above
        "submitted_by": NOT_MATERIAL,
        "signature_break_reason": NOT_MATERIAL,  # a note on the signature, which itself is material
    },
    "governance.Review": {
        "id": NOT_MATERIAL,
        "version": MATERIAL,
        "policy": MATERIAL,
        "policy_snapshot": MATERIAL,  # the rules signed under; sign-offs record its version
        "status": NOT_MATERIAL,
        "opened_by": NOT_MATERIAL,
        "opened_at": NOT_MATERIAL,
        "closed_at": NOT_MATERIAL,
    },
    # The card documents the version; it is not the version. Its text is not in the digest, so fixing a
    # typo does not reset every signature: edits are audited with before and after, and the card gate reads
    # the card at each move. What the card's intended use elaborates is material already (the use case's
    # problem statement and tier, above). See docs/decisions.md.
    "governance.ModelCard": {
        "id": NOT_MATERIAL,
        "created_at": NOT_MATERIAL,
        "updated_at": NOT_MATERIAL,
        "version": NOT_MATERIAL,
        "intended_use": NOT_MATERIAL,
        "out_of_scope_uses": NOT_MATERIAL,
        "users_affected": NOT_MATERIAL,
        "training_data": NOT_MATERIAL,  # the lineage itself (dataset links) is material
        "evaluation_data": NOT_MATERIAL,
        "metrics_notes": NOT_MATERIAL,  # the metrics themselves are material
        "fairness_findings": NOT_MATERIAL,
        "explainability_method": NOT_MATERIAL,
        "explainability_notes": NOT_MATERIAL,
        "limitations": NOT_MATERIAL,
        "human_oversight": NOT_MATERIAL,
        "assumptions": NOT_MATERIAL,
        "updated_by": NOT_MATERIAL,
    },
}

VERSION_MATERIAL_FIELDS = tuple(
    name for name, klass in FIELD_CLASSES["lifecycle.ModelVersion"].items() if klass == MATERIAL and name != "model"
)


def content_digest(version) -> str:
    """SHA-256 over the version's material fields plus what it is used for: the model, the use case's
    intended use (its problem statement) and its risk tier, and the environments it is planned for."""
    use_case = version.model.use_case
    manifest = {
        "model": version.model.name,
        **{name: getattr(version, name) for name in VERSION_MATERIAL_FIELDS},
        "intended_use": use_case.problem_statement,
        "risk_tier": use_case.risk_tier,
        # The training, validation and reference data, pinned to their schema and version URI.
        "datasets": sorted(
            [link.dataset.name, link.role, link.schema_version_id, link.dataset.version_uri]
            for link in version.dataset_links.all()  # prefetch "dataset_links__dataset" when listing
        ),
    }
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, default=str).encode()).hexdigest()

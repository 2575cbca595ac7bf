"""Required test evidence: where each kind the policy requires of a version stands on the version's current
content (missing, waiting for review, accepted, rejected, stale), for the gate, the pages and the API."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from governance.choices import (
    REQUIREMENT_STATE_COLORS,
    TEST_EVIDENCE_REVIEWER,
    RequirementState,
    ReviewStatus,
    TestEvidenceKind,
    TestEvidenceStatus,
)
from governance.digest import content_digest
from governance.models import FUNCTION_NAMES, Review, TestEvidence

KIND_LABELS = dict(TestEvidenceKind.choices)


@dataclass(frozen=True)
class Requirement:
    """One kind the policy requires, and the evidence row its state comes from (None when missing)."""

    kind: str
    state: str
    evidence: TestEvidence | None

    @property
    def label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return RequirementState(self.state).label

    @property
    def color(self) -> str:
        return REQUIREMENT_STATE_COLORS[self.state]

    @property
    def reviewer_function(self) -> str:
        return FUNCTION_NAMES[TEST_EVIDENCE_REVIEWER[self.kind]]


def reviewer_function(kind: str) -> str:
    """The sign-off function code whose holders accept or reject evidence of this kind."""
    return TEST_EVIDENCE_REVIEWER[kind]


def required_kinds(policy: dict) -> list[str]:
    return [kind for kind in policy.get("required_test_evidence", []) if kind in KIND_LABELS]


def requirement_states(version, *, required: list[str], digest: str, rows=None) -> list[Requirement]:
    """Per required kind, its state on the content identified by `digest`. `rows`: the version's evidence,
    newest first (read here when not given)."""
    if rows is None:
        rows = list(TestEvidence.objects.filter(version=version).order_by("-submitted_at", "-pk"))
    found = []
    for kind in required:
        of_kind = [row for row in rows if row.kind == kind]
        current = [row for row in of_kind if row.version_digest == digest]
        accepted = next((row for row in current if row.status == TestEvidenceStatus.ACCEPTED), None)
        waiting = next((row for row in current if row.status == TestEvidenceStatus.SUBMITTED), None)
        if accepted:
            found.append(Requirement(kind, RequirementState.ACCEPTED, accepted))
        elif waiting:
            found.append(Requirement(kind, RequirementState.WAITING, waiting))
        elif current:
            found.append(Requirement(kind, RequirementState.REJECTED, current[0]))
        elif of_kind:
            found.append(Requirement(kind, RequirementState.STALE, of_kind[0]))
        else:
            found.append(Requirement(kind, RequirementState.MISSING, None))
    return found


def version_requirements(version) -> list[Requirement]:
    """The requirements of the policy the version is judged by (its review's snapshot, else its tier's
    current policy), on its current content."""
    from governance.services.cards import policy_for_version

    return requirement_states(
        version, required=required_kinds(policy_for_version(version)), digest=content_digest(version)
    )


def unmet_in_words(requirements: list[Requirement]) -> str | None:
    """What is not in place, grouped by state, in a sentence; None when everything is accepted."""
    groups = [
        (RequirementState.MISSING, "missing"),
        (RequirementState.WAITING, "waiting for review"),
        (RequirementState.REJECTED, "rejected"),
        (RequirementState.STALE, "stale, the version changed after it was submitted"),
    ]
    parts = []
    for state, words in groups:
        labels = [r.label for r in requirements if r.state == state]
        if labels:
            parts.append(f"{words}: {', '.join(labels)}")
    return "; ".join(parts) if parts else None


# --- The model page's panel (lifecycle.panels) -------------------------------------------------------------

CLOSED_STAGES = ("rejected", "retired", "deprecated")


def versions_with_requirements(*, user, model) -> list[tuple]:
    """(version, requirements) for each open version of a model the user sees, newest first, in a fixed
    number of queries whatever the number of versions."""
    from governance.services.policies import current_policy
    from lifecycle.models import ModelVersion

    versions = list(
        ModelVersion.objects.restrict(user, "view")
        .filter(model=model)
        .exclude(stage__in=CLOSED_STAGES)
        .select_related("model__use_case")
        .prefetch_related("dataset_links__dataset")
        .order_by("-created_at", "-pk")
    )
    if not versions:
        return []
    snapshots: dict[int, dict] = {}
    for review in (
        Review.objects.filter(version__in=versions)
        .exclude(status=ReviewStatus.SUPERSEDED)
        .order_by("-opened_at", "-pk")
        .only("version_id", "policy_snapshot")
    ):
        snapshots.setdefault(review.version_id, review.policy_snapshot)
    policy = current_policy(model.use_case.risk_tier)
    fallback = policy.snapshot() if policy else {}
    rows: dict[int, list] = {}
    for row in TestEvidence.objects.filter(version__in=versions).order_by("-submitted_at", "-pk"):
        rows.setdefault(row.version_id, []).append(row)
    return [
        (
            version,
            requirement_states(
                version,
                required=required_kinds(snapshots.get(version.pk, fallback)),
                digest=content_digest(version),
                rows=rows.get(version.pk, []),
            ),
        )
        for version in versions
    ]


def model_panel(*, request, model) -> str:
    """The model page's panel: per open version, each required kind of test evidence and its state."""
    return render_to_string(
        "governance/partials/test_evidence_panel.html",
        {"rows": versions_with_requirements(user=request.user, model=model), "model": model},
        request=request,
    )


# --- The version's test evidence page ----------------------------------------------------------------------


@dataclass(frozen=True)
class VersionEvidence:
    """A version's requirements and every evidence row submitted for it, with what the reader may do."""

    requirements: list[Requirement]
    rows: list[TestEvidence]  # newest first; each with .current and .may_review set
    digest: str
    may_submit: bool


def version_evidence(*, user, version) -> VersionEvidence:
    from core.permissions import can
    from governance.selectors import sign_off_functions_held
    from governance.services.cards import policy_for_version

    digest = content_digest(version)
    rows = list(
        TestEvidence.objects.filter(version=version)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-submitted_at", "-pk")
    )
    held = {f.code for f in sign_off_functions_held(user=user)}
    developer = user.pk == version.submitted_by_id or version.model.owners.filter(pk=user.pk).exists()
    for row in rows:
        row.current = row.version_digest == digest
        row.may_review = (
            row.status == TestEvidenceStatus.SUBMITTED
            and row.current
            and reviewer_function(row.kind) in held
            and not developer
            and row.submitted_by_id != user.pk
        )
    return VersionEvidence(
        requirements=requirement_states(
            version, required=required_kinds(policy_for_version(version)), digest=digest, rows=rows
        ),
        rows=rows,
        digest=digest,
        may_submit=can(user, "change", version.model),
    )


def waiting_for(*, user) -> list[TestEvidence]:
    """Submitted evidence on the current content of its version that the user could review: of a kind their
    functions review, not submitted by them, of a model they do not develop; oldest first (the review queue)."""
    from governance.selectors import sign_off_functions_held

    held = {f.code for f in sign_off_functions_held(user=user)}
    kinds = [kind for kind, function in TEST_EVIDENCE_REVIEWER.items() if function in held]
    if not kinds:
        return []
    rows = (
        TestEvidence.objects.restrict(user, "view")
        .filter(status=TestEvidenceStatus.SUBMITTED, kind__in=kinds)
        .exclude(submitted_by=user)
        .exclude(version__submitted_by=user)
        .exclude(version__model__owners=user)
        .select_related("version__model__use_case", "submitted_by")
        .prefetch_related("version__dataset_links__dataset")
        .order_by("submitted_at", "pk")[:200]
    )
    return [row for row in rows if row.version_digest == content_digest(row.version)]

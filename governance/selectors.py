from dataclasses import dataclass
from datetime import timedelta

from django.db.models import OuterRef, Subquery

from core.permissions import member_business_unit_ids
from governance.calendar_sources import approval_expiries
from governance.choices import Decision, ReviewStatus
from governance.digest import content_digest
from governance.models import (
    BiasAssessment,
    FindingException,
    ModelCard,
    Review,
    ReviewPolicy,
    RiskAssessment,
    SignOffFunction,
)


def sign_off_functions_held(*, user) -> list[SignOffFunction]:
    """The sign-off functions whose permission the user holds (through a role or directly)."""
    perms = user.get_all_permissions()
    return [function for function in SignOffFunction.objects.all() if function.permission in perms]


@dataclass(frozen=True)
class ReviewProgress:
    """Where a review stands on the version's current content."""

    digest: str
    signed: list[dict]  # the sign-offs that stand, per function
    missing: list[str]  # required functions without a standing approval
    stale: bool  # some sign-off was made on other content


def review_progress(review: Review) -> ReviewProgress:
    from governance.services.reviews import current_sign_offs

    digest = content_digest(review.version)
    standing = current_sign_offs(review, digest)
    signed = [
        {
            "function": s.function,
            "decision": s.decision,
            "signer": s.signer_name,
            "signed_at": s.signed_at,
        }
        for f in review.required_functions
        if (s := standing.get(f))
    ]
    missing = [f for f in review.required_functions if f not in standing or standing[f].decision != Decision.APPROVE]
    stale = any(s.invalidated_at is None and s.digest != digest for s in review.sign_offs.all())
    return ReviewProgress(digest=digest, signed=signed, missing=missing, stale=stale)


def has_signed(review: Review, user, digest: str) -> bool:
    """Whether the user's signature stands on this review (one person signs one function)."""
    return any(
        s.signer_id == user.pk and s.invalidated_at is None and s.digest == digest for s in review.sign_offs.all()
    )


def review_list(*, user):
    """Reviews the user may see, with everything a list row needs in a fixed number of queries."""
    return (
        Review.objects.restrict(user, "view")
        .select_related("version__model__use_case", "policy")
        .prefetch_related("sign_offs")
    )


def review_queue(*, user) -> list[tuple[Review, ReviewProgress, list[str]]]:
    """Open reviews waiting for a function the user holds (and did not submit or own), oldest first,
    with the functions the user could sign."""
    held = {f.code for f in sign_off_functions_held(user=user)}
    if not held:
        return []
    own_units = set(member_business_unit_ids(user))
    rows = []
    reviews = review_list(user=user).filter(status=ReviewStatus.OPEN).prefetch_related("version__model__owners")
    for review in reviews.order_by("opened_at", "pk"):
        version = review.version
        if user.pk == version.submitted_by_id or any(o.pk == user.pk for o in version.model.owners.all()):
            continue
        progress = review_progress(review)
        # Validation waits for someone outside the developing unit (the service checks the contributors' units).
        independent = version.model.use_case.business_unit_id not in own_units
        waiting = [f for f in progress.missing if f in held and (f != "validation" or independent)]
        if waiting and not has_signed(review, user, progress.digest):
            rows.append((review, progress, waiting))
    return rows


def policies_current():
    """The current version of each tier's policy."""
    latest = ReviewPolicy.objects.filter(tier=OuterRef("tier")).order_by("-version").values("version")[:1]
    return ReviewPolicy.objects.filter(version=Subquery(latest)).order_by("tier")


def assessment_for_use_case(*, user, use_case_id: int):
    return (
        RiskAssessment.objects.restrict(user, "view")
        .filter(use_case_id=use_case_id)
        .select_related("questionnaire", "author", "approved_by", "use_case")
        .order_by("-created_at", "-pk")
    )


def live_exceptions(*, user):
    """Exceptions still running, soonest expiry first: the board sees them until they expire."""
    from django.utils import timezone

    return (
        FindingException.objects.restrict(user, "view")
        .filter(expires_at__gt=timezone.now())
        .select_related("finding__review__version__model", "granted_by")
        .order_by("expires_at")
    )


TURNAROUND_DAYS = 5  # the board's target from submission to a complete review


@dataclass(frozen=True)
class QueueRow:
    review: Review
    progress: ReviewProgress
    waiting: list[str]  # names of the functions the user could sign
    missing: list[str]
    age_days: int

    @property
    def overdue(self) -> bool:
        return self.age_days > TURNAROUND_DAYS


def review_queue_rows(*, user) -> list[QueueRow]:
    """The queue as people read it: function names, age in days against the turnaround."""
    from django.utils import timezone

    from governance.models import FUNCTION_NAMES

    now = timezone.now()
    return [
        QueueRow(
            review=review,
            progress=progress,
            waiting=[FUNCTION_NAMES[f] for f in waiting],
            missing=[FUNCTION_NAMES[f] for f in progress.missing],
            age_days=(now - review.opened_at).days,
        )
        for review, progress, waiting in review_queue(user=user)
    ]


@dataclass(frozen=True)
class FunctionQueue:
    name: str
    rows: list[QueueRow]


def review_queue_by_function(*, user, rows: list[QueueRow] | None = None) -> list[FunctionQueue]:
    """The queue per sign-off function the reader holds (every one, empty or not), oldest first in each: a
    review waiting for two of the reader's functions appears under both."""
    rows = review_queue_rows(user=user) if rows is None else rows
    return [
        FunctionQueue(function.name, [row for row in rows if function.name in row.waiting])
        for function in sign_off_functions_held(user=user)
    ]


def decisions_since(*, user, since) -> dict[str, int]:
    """Standing sign-offs the board made since a date on reviews the user may see, by decision."""
    from django.db.models import Count

    from governance.models import SignOff

    visible = Review.objects.restrict(user, "view").values("pk")
    rows = (
        SignOff.objects.filter(review__in=visible, signed_at__gte=since, invalidated_at__isnull=True)
        .values("decision")
        .annotate(n=Count("pk"))
    )
    return {row["decision"]: row["n"] for row in rows}


def expired_approvals(*, user, today, unit=None) -> list:
    """Versions still in use whose approval validity has run out, as calendar events (oldest first)."""
    # Ten years back covers any validity a policy can set.
    events = approval_expiries(user=user, start=today - timedelta(days=3650), end=today - timedelta(days=1), unit=unit)
    return sorted(events, key=lambda e: e.start)


def open_reviews(*, user, unit=None):
    """Open reviews the user may see, oldest first, for the board's ageing chart."""
    reviews = review_list(user=user).filter(status=ReviewStatus.OPEN)
    if unit is not None:
        reviews = reviews.filter(version__model__use_case__business_unit=unit)
    return reviews.order_by("opened_at", "pk")


# --- Model cards and bias assessments ----------------------------------------------------------------------


def governed_versions(*, user):
    """Versions the user may see, with what their card and its export read (lineage, use case)."""
    from lifecycle.models import ModelVersion

    return (
        ModelVersion.objects.restrict(user, "view")
        .select_related("model__use_case")
        .prefetch_related("dataset_links__dataset", "dataset_links__schema_version")
    )


def model_card_of(version) -> ModelCard | None:
    return ModelCard.objects.select_related("updated_by").filter(version=version).first()


def bias_assessment_list(*, user):
    return BiasAssessment.objects.restrict(user, "view").select_related("version__model", "created_by")


# --- Evidence packs -----------------------------------------------------------------------------------------


def evidence_pack_exports(*, version):
    """The exports of a version's evidence pack, newest first (who, when, the hash of the ZIP)."""
    from audit.models import AuditEvent
    from governance.evidence_pack import EXPORT_ACTION

    return AuditEvent.objects.filter(
        action=EXPORT_ACTION, target_type="lifecycle.modelversion", target_id=str(version.pk)
    ).order_by("-seq")


def evidence_pack_export_event(sha256: str):
    """The audit event that recorded the export of a pack with this SHA-256, or None."""
    from audit.models import AuditEvent
    from governance.evidence_pack import EXPORT_ACTION

    # `changes` holds [before, after] per field: the hash is the second item.
    return AuditEvent.objects.filter(action=EXPORT_ACTION, changes__sha256__1=sha256).order_by("-seq").first()


# --- Concerns -----------------------------------------------------------------------------------------------


def concern_list(*, user):
    """Concerns the user may see (reporter, assignee, or someone who sees the subject), ready for a list."""
    from governance.models import Concern

    return Concern.objects.restrict(user, "view").select_related(
        "use_case", "model", "reporter", "assignee", "triaged_by", "closed_by"
    )


def reporter_shown(concern, user) -> bool:
    """Whether this user may see who raised the concern: always unless it is anonymous; then only the
    reporter and the triage team."""
    return not concern.anonymous or concern.reporter_id == user.pk or user.has_perm("governance.triage_concern")


def open_concerns_by_severity(*, user) -> dict[str, int]:
    """{severity: count} of the open (untriaged or triaged) concerns the user sees, in one query; untriaged
    concerns count under "untriaged"."""
    from django.db.models import Count

    from governance.choices import ConcernSeverity

    counts = dict.fromkeys([*ConcernSeverity.values, "untriaged"], 0)
    rows = concern_list(user=user).still_open().order_by().values("severity").annotate(n=Count("pk"))
    for row in rows:
        counts[row["severity"] or "untriaged"] += row["n"]
    return counts


# --- Emergency releases -------------------------------------------------------------------------------------


def emergency_release_list(*, user):
    from governance.models import EmergencyRelease

    return EmergencyRelease.objects.restrict(user, "view").select_related(
        "version__model", "requested_by", "first_approver", "second_approver", "closed_by", "pir"
    )


def post_implementation_review_list(*, user):
    from governance.models import PostImplementationReview

    return PostImplementationReview.objects.restrict(user, "view").select_related(
        "release__version__model__use_case", "release__requested_by", "completed_by"
    )


def open_post_implementation_reviews(*, user):
    """Open post-implementation reviews the user may see, the most overdue first."""
    from governance.choices import PirStatus

    return post_implementation_review_list(user=user).filter(status=PirStatus.OPEN).order_by("due_on", "pk")


def emergency_releases_awaiting(*, user):
    """Open requests an emergency approver may still approve: not theirs, not of models they own."""
    from governance.choices import EmergencyStatus

    if not user.has_perm("governance.approve_emergency_release"):
        return emergency_release_list(user=user).none()
    return (
        emergency_release_list(user=user)
        .filter(status=EmergencyStatus.REQUESTED)
        .exclude(requested_by=user)
        .exclude(first_approver=user)
        .exclude(version__model__owners=user)
        .order_by("created_at", "pk")
    )


# --- Required test evidence ---------------------------------------------------------------------------------


def test_evidence_list(*, user):
    """Test evidence of the versions the user may see."""
    from governance.models import TestEvidence

    return TestEvidence.objects.restrict(user, "view").select_related("version__model", "submitted_by", "reviewed_by")


test_evidence_list.__test__ = False


# --- What stands between a version and production (the review page) ----------------------------------------
# The checklist itself is lifecycle.selectors.gate_checklist; governance adds the fairness thresholds to it
# (governance.gates.fairness_measures, registered in apps.py) and, here, the moves the review page offers.


@dataclass(frozen=True)
class Move:
    to: str
    label: str
    ready: bool  # every gate of the stage passes
    allowed: bool  # the reader may make the move
    blocked_by: list[str]  # the failed gates, by name
    who: str  # who makes it, in words


def review_next_moves(version, *, user, checklist) -> list[Move]:
    """The forward moves the stage machine allows from here (never the emergency edges), whether their gates
    pass on the checklist (lifecycle.selectors.gate_checklist), and whether the reader may make them (the
    service decides again when they do)."""
    from core.permissions import can
    from lifecycle.choices import EMERGENCY_EDGES, NEXT_STAGES, Stage
    from lifecycle.selectors import ROAD_TO_PRODUCTION

    moves = []
    for to in ROAD_TO_PRODUCTION[1:]:  # a review is opened on entering pending approval: from there on
        if to not in NEXT_STAGES.get(version.stage, set()) or (version.stage, to) in EMERGENCY_EDGES:
            continue
        failed = [item.gate for item in checklist.failed if item.to == to]
        if to == Stage.APPROVED:
            developer = user.pk == version.submitted_by_id or version.model.owners.filter(pk=user.pk).exists()
            allowed = user.has_perm("lifecycle.approve_modelversion") and not developer
            who = "a review board member who neither submitted nor owns the model"
        else:
            allowed = can(user, "change", version.model)
            who = "the model's owners"
        moves.append(Move(to, Stage(to).label, not failed, allowed, failed, who))
    return moves


# --- Training records (platform administration) ----------------------------------------------------------------


@dataclass(frozen=True)
class TrainingStatus:
    user: object
    name: str
    expires_on: object  # the latest expiry of a current or past AI-literacy record, or None
    state: str  # current, expiring, expired, none

    @property
    def current(self) -> bool:
        return self.state in ("current", "expiring")


@dataclass(frozen=True)
class CoverageRow:
    function: str
    holders: list[TrainingStatus]

    @property
    def uncovered(self) -> list[TrainingStatus]:
        return [h for h in self.holders if not h.current]


def training_coverage(*, today=None, expiring_days: int = 30) -> list[CoverageRow]:
    """Per sign-off function, who holds it and whether their AI-literacy training is current: a holder without
    current training cannot sign. One query per function and one for the records."""
    from django.db.models import Max
    from django.utils import timezone

    from governance.choices import Course
    from governance.models import TrainingRecord
    from governance.services.reviews import holders_of

    today = today or timezone.localdate()
    functions = list(SignOffFunction.objects.order_by("name"))
    holders = {
        f.code: sorted(holders_of(f.code), key=lambda u: (u.get_full_name() or u.username).lower()) for f in functions
    }
    ids = {u.pk for people in holders.values() for u in people}
    current = dict(
        TrainingRecord.objects.filter(
            user_id__in=ids, course=Course.AI_LITERACY, completed_on__lte=today, expires_on__gte=today
        )
        .values("user_id")
        .annotate(until=Max("expires_on"))
        .values_list("user_id", "until")
    )
    latest = dict(
        TrainingRecord.objects.filter(user_id__in=ids, course=Course.AI_LITERACY)
        .values("user_id")
        .annotate(until=Max("expires_on"))
        .values_list("user_id", "until")
    )

    def status(user) -> TrainingStatus:
        name = user.get_full_name() or user.get_username()
        if user.pk in current:
            until = current[user.pk]
            state = "expiring" if (until - today).days <= expiring_days else "current"
            return TrainingStatus(user, name, until, state)
        return TrainingStatus(user, name, latest.get(user.pk), "expired" if user.pk in latest else "none")

    return [CoverageRow(f.name, [status(u) for u in holders[f.code]]) for f in functions]


def training_records_recent(*, limit: int = 100):
    from governance.models import TrainingRecord

    return TrainingRecord.objects.select_related("user", "recorded_by").order_by("-pk")[:limit]

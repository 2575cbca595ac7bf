from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

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
    rows = []
    reviews = review_list(user=user).filter(status=ReviewStatus.OPEN).prefetch_related("version__model__owners")
    for review in reviews.order_by("opened_at", "pk"):
        version = review.version
        if user.pk == version.submitted_by_id or any(o.pk == user.pk for o in version.model.owners.all()):
            continue
        progress = review_progress(review)
        waiting = [f for f in progress.missing if f in held]
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

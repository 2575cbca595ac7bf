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


# --- Compliance ---------------------------------------------------------------------------------------------


def framework_list(*, user):
    """Every framework (reference data, readable by every signed-in user) with its live requirement count."""
    from django.db.models import Count, Q

    from governance.models import Framework

    return Framework.objects.restrict(user, "view").annotate(
        requirement_count=Count("requirements", filter=Q(requirements__withdrawn=False))
    )


def framework_get(*, user, pk: int):
    """A framework with its requirements (live first) and the controls mapped to each."""
    from django.db.models import Prefetch
    from django.shortcuts import get_object_or_404

    from governance.models import Control, Framework, Requirement

    return get_object_or_404(
        Framework.objects.restrict(user, "view").prefetch_related(
            Prefetch(
                "requirements",
                queryset=Requirement.objects.order_by("withdrawn", "pk").prefetch_related(
                    Prefetch("controls", queryset=Control.objects.order_by("code"))
                ),
            )
        ),
        pk=pk,
    )


def control_list(*, user):
    """Internal controls with the requirements (and frameworks) each one maps to."""
    from django.db.models import Prefetch

    from governance.models import Control, ControlRequirement

    return Control.objects.restrict(user, "view").prefetch_related(
        Prefetch(
            "requirement_links",
            queryset=ControlRequirement.objects.select_related("requirement__framework").order_by(
                "requirement__framework__name", "requirement__pk"
            ),
        )
    )


def evidence_list(*, user):
    """Evidence the user may see: that of the use cases (and versions) they see."""
    from governance.models import Evidence

    return Evidence.objects.restrict(user, "view").select_related(
        "control", "use_case", "version__model", "submitted_by", "reviewer"
    )


def _applies(tier: str):
    """Controls required of a use case of this tier (none for a use case not assessed yet)."""
    from django.db.models import Q

    from governance.choices import Tier

    return Q(**{f"applies_{tier}": True}) if tier in Tier.values else Q(pk__in=[])


@dataclass(frozen=True)
class ControlState:
    control: object
    evidence: list  # the use case's visible evidence for this control, newest first
    valid: bool


@dataclass(frozen=True)
class Coverage:
    """Controls with valid evidence against controls required, for one use case and one framework."""

    framework: object
    controls: list[ControlState]

    @property
    def required(self) -> int:
        return len(self.controls)

    @property
    def covered(self) -> int:
        return sum(1 for state in self.controls if state.valid)

    @property
    def missing(self) -> list:
        return [state.control for state in self.controls if not state.valid]

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.required) if self.required else None


def use_case_coverage(*, user, use_case, framework=None, today=None) -> list[Coverage]:
    """Per framework (or for one): the controls the use case's tier requires and mapped to the framework,
    which have valid evidence (accepted, not expired, not stale) and which are missing. Constant queries."""
    from django.db.models import Prefetch
    from django.utils import timezone

    from governance.models import Control, ControlRequirement, Framework

    today = today or timezone.localdate()
    frameworks = [framework] if framework is not None else list(Framework.objects.order_by("name"))
    controls = list(
        Control.objects.filter(_applies(use_case.risk_tier)).prefetch_related(
            Prefetch(
                "requirement_links",
                queryset=ControlRequirement.objects.filter(requirement__withdrawn=False).select_related("requirement"),
            )
        )
    )
    evidence: dict[int, list] = {}
    for item in evidence_list(user=user).filter(use_case=use_case).order_by("-created_at", "-pk"):
        evidence.setdefault(item.control_id, []).append(item)
    result = []
    for fw in frameworks:
        states = [
            ControlState(
                control=control,
                evidence=evidence.get(control.pk, []),
                valid=any(e.is_valid_on(today) for e in evidence.get(control.pk, [])),
            )
            for control in controls
            if any(link.requirement.framework_id == fw.pk for link in control.requirement_links.all())
        ]
        result.append(Coverage(framework=fw, controls=states))
    return result


@dataclass(frozen=True)
class FrameworkCoverage:
    """Coverage of one framework summed over the use cases a user sees."""

    framework: object
    use_cases: int  # assessed use cases that need at least one control of the framework
    required: int  # (use case, control) pairs required
    covered: int  # of which with valid evidence

    @property
    def missing(self) -> int:
        return self.required - self.covered

    @property
    def percent(self) -> int | None:
        return round(100 * self.covered / self.required) if self.required else None


def compliance_coverage_by_framework(*, user, today=None, unit=None) -> list[FrameworkCoverage]:
    """For each framework, over the use cases the user sees: controls required (by each use case's tier)
    against controls with valid evidence. Aggregated in the database: a constant number of queries."""
    from functools import reduce
    from operator import or_

    from django.db.models import CharField, Count, F, Q, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone

    from governance.choices import Tier
    from governance.models import Evidence, Framework
    from portfolio.models import UseCase

    today = today or timezone.localdate()
    use_cases = UseCase.objects.restrict(user, "view")
    if unit is not None:
        use_cases = use_cases.filter(business_unit=unit)
    per_tier = dict(
        use_cases.filter(risk_tier__in=Tier.values)
        .values("risk_tier")
        .annotate(n=Count("pk"))
        .values_list("risk_tier", "n")
    )
    frameworks = Framework.objects.order_by("name").annotate(
        **{
            f"needs_{tier}": Count(
                "requirements__control_links__control",
                distinct=True,
                filter=Q(
                    requirements__withdrawn=False, **{f"requirements__control_links__control__applies_{tier}": True}
                ),
            )
            for tier in Tier.values
        }
    )
    tier_match = reduce(
        or_, (Q(use_case__risk_tier=tier, **{f"control__applies_{tier}": True}) for tier in Tier.values)
    )
    covered = dict(
        Evidence.objects.restrict(user, "view")
        .valid(today)
        .filter(tier_match, use_case__in=use_cases.values("pk"))
        .filter(control__requirement_links__requirement__withdrawn=False)
        .values(framework_id=F("control__requirement_links__requirement__framework"))
        .annotate(
            n=Count(
                Concat(
                    Cast("use_case_id", CharField()),
                    Value(":"),
                    Cast("control_id", CharField()),
                    output_field=CharField(),
                ),
                distinct=True,
            )
        )
        .values_list("framework_id", "n")
    )
    return [
        FrameworkCoverage(
            framework=fw,
            use_cases=sum(n for tier, n in per_tier.items() if getattr(fw, f"needs_{tier}")),
            required=sum(n * getattr(fw, f"needs_{tier}") for tier, n in per_tier.items()),
            covered=covered.get(fw.pk, 0),
        )
        for fw in frameworks
    ]


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


def evidence_expiring_soon(*, user, today, within_days: int = 30, unit=None):
    """Valid evidence the user may see whose expiry falls in the coming days, soonest first."""
    from datetime import timedelta

    evidence = evidence_list(user=user)
    if unit is not None:
        evidence = evidence.filter(use_case__business_unit=unit)
    return evidence.valid(today).filter(expires_on__lte=today + timedelta(days=within_days)).order_by("expires_on")


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


# --- Vendors ------------------------------------------------------------------------------------------------


def supplied_models(*, user):
    """Links of inventory models to their vendors, for the models the user may see."""
    from governance.models import SuppliedModel

    return (
        SuppliedModel.objects.restrict(user, "view")
        .filter(vendor__isnull=False)
        .select_related("model__use_case", "vendor")
    )


def vendor_list(*, user):
    """Vendors, each with the number of supplied models the user may see and their names, in two queries."""
    from django.db.models import Prefetch

    from governance.models import Vendor

    return Vendor.objects.restrict(user, "view").prefetch_related(
        Prefetch("supplies", queryset=supplied_models(user=user), to_attr="visible_supplies")
    )


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


# --- Technology evaluations and approved standards ---------------------------------------------------------


def evaluation_list(*, user):
    """Technology evaluations with their vendor, owner and trial counts (run, passed, running), in one query."""
    from django.db.models import Count, Q

    from governance.models import TechnologyEvaluation

    return (
        TechnologyEvaluation.objects.restrict(user, "view")
        .select_related("vendor", "owner", "decided_by")
        .annotate(
            trial_count=Count("trials"),
            passed_trial_count=Count("trials", filter=Q(trials__outcome="pass")),
            running_trial_count=Count("trials", filter=Q(trials__outcome="")),
        )
        .order_by("name", "pk")  # an aggregate query drops Meta.ordering
    )


def evaluation_get(*, user, pk: int):
    """One evaluation with its trials and the standards it published, or DoesNotExist."""
    from django.db.models import Prefetch

    from governance.models import ApprovedStandard, SandboxTrial

    return (
        evaluation_list(user=user)
        .prefetch_related(
            Prefetch("trials", queryset=SandboxTrial.objects.select_related("created_by", "closed_by")),
            Prefetch("standards", queryset=ApprovedStandard.objects.select_related("approved_by")),
        )
        .get(pk=pk)
    )


def trial_list(*, user):
    """Sandbox trials with their evaluation, newest first."""
    from governance.models import SandboxTrial

    return SandboxTrial.objects.restrict(user, "view").select_related("evaluation", "created_by", "closed_by")


def standard_list(*, user):
    """Approved standards and reference architectures, with the evaluation they came from."""
    from governance.models import ApprovedStandard

    return ApprovedStandard.objects.restrict(user, "view").select_related("evaluation", "approved_by", "retired_by")


# --- External audits ---------------------------------------------------------------------------------------


def external_audit_list(*, user):
    """External audits with their frameworks, the use cases in scope that the user may see, and counts of
    findings and open follow-ups, in three queries whatever the number of audits."""
    from django.db.models import Count, Prefetch, Q

    from governance.models import ExternalAudit
    from portfolio.models import UseCase

    return (
        ExternalAudit.objects.restrict(user, "view")
        .select_related("created_by", "closed_by")
        .annotate(
            finding_count=Count("findings", distinct=True),
            open_follow_up_count=Count(
                "findings__follow_ups", filter=Q(findings__follow_ups__status="open"), distinct=True
            ),
        )
        .order_by("-start_date", "-pk")  # an aggregate query drops Meta.ordering
        .prefetch_related(
            "frameworks",
            Prefetch(
                "use_cases",
                queryset=UseCase.objects.restrict(user, "view").select_related("business_unit"),
                to_attr="visible_use_cases",
            ),
        )
    )


def external_audit_get(*, user, pk: int):
    """One audit with its findings and each finding's follow-ups, or DoesNotExist."""
    from django.db.models import Prefetch

    from governance.models import AuditFinding, FollowUp

    findings = AuditFinding.objects.select_related("owner", "risk_accepted_by").prefetch_related(
        Prefetch("follow_ups", queryset=FollowUp.objects.select_related("owner", "completed_by"))
    )
    return external_audit_list(user=user).prefetch_related(Prefetch("findings", queryset=findings)).get(pk=pk)


def audit_finding_list(*, user):
    from governance.models import AuditFinding

    return AuditFinding.objects.restrict(user, "view").select_related("audit", "owner", "risk_accepted_by")


def follow_up_list(*, user):
    from governance.models import FollowUp

    return FollowUp.objects.restrict(user, "view").select_related("finding__audit", "owner", "completed_by")


def follow_ups_overdue(*, user, today=None):
    """Open follow-ups past their due date on audits that are not closed, the most overdue first."""
    from django.utils import timezone

    today = today or timezone.localdate()
    return (
        follow_up_list(user=user)
        .filter(status="open", due_date__lt=today)
        .exclude(finding__audit__status="closed")
        .order_by("due_date", "pk")
    )


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

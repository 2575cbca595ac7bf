"""Reads of the inventory that the pages and the API share."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from lifecycle.choices import Stage
from lifecycle.models import (
    AIModel,
    Dataset,
    DecommissionPlan,
    MlflowProposal,
    ModelVersion,
    StageTransition,
    VersionDataset,
)


def _version_count(**where):
    """The number of versions of the outer model (matching `where`), as a correlated subquery: a page of the
    list counts the versions of its own rows only, not of every model before it is sorted and cut."""
    versions = ModelVersion.objects.filter(model=OuterRef("pk"), **where).order_by().values("model")
    return Coalesce(Subquery(versions.annotate(n=Count("pk")).values("n")), 0)


def model_list(*, user) -> QuerySet[AIModel]:
    return (
        AIModel.objects.restrict(user, "view")
        .select_related("use_case", "use_case__business_unit")
        .annotate(n_versions=_version_count(), n_production=_version_count(stage=Stage.PRODUCTION))
        .order_by("name")
    )


def model_detail(*, user, pk: int) -> AIModel:
    versions = (
        ModelVersion.objects.select_related("submitted_by")
        .prefetch_related("dataset_links__dataset")
        .order_by("-created_at")
    )
    return (
        AIModel.objects.restrict(user, "view")
        .select_related("use_case")
        .prefetch_related("owners", Prefetch("versions", queryset=versions))
        .get(pk=pk)
    )


@dataclass(frozen=True)
class ProductionAt:
    version: ModelVersion | None
    since: datetime | None
    moved_by: str


def production_version_at(*, model: AIModel, at: datetime) -> ProductionAt:
    """Which version of the model was in production at `at`, since when and who moved it there —
    answered from the transition history (MLflow keeps no such history)."""
    last_move = (
        StageTransition.objects.filter(version__model=model, at__lte=at)
        .filter(Q(to_stage=Stage.PRODUCTION) | Q(from_stage=Stage.PRODUCTION))
        .select_related("version", "actor")
        .order_by("-at", "-pk")
        .first()
    )
    if last_move is None or last_move.to_stage != Stage.PRODUCTION:
        return ProductionAt(None, None, "")
    return ProductionAt(last_move.version, last_move.at, last_move.actor.get_username() if last_move.actor else "")


def dataset_list(*, user, q: str = "", sensitivity: str = ""):
    """Datasets the user may see, with how many live versions use each."""
    datasets = (
        Dataset.objects.restrict(user, "view")
        .select_related("steward", "business_unit", "privacy_treatment")
        .annotate(
            n_versions=Count(
                "version_links__version",
                filter=~Q(version_links__version__stage__in=["retired", "rejected"]),
                distinct=True,
            ),
            n_schemas=Count("schema_versions", distinct=True),
        )
        .order_by("name")
    )
    if q:
        datasets = datasets.filter(Q(name__icontains=q) | Q(source_system__icontains=q))
    if sensitivity:
        datasets = datasets.filter(sensitivity=sensitivity)
    return datasets


def dataset_lineage(*, user, dataset):
    """The versions (that the user may see) built on or checked against a dataset, newest first."""
    visible = ModelVersion.objects.restrict(user, "view").values("pk")
    return (
        VersionDataset.objects.filter(dataset=dataset, version__in=visible)
        .select_related("version__model", "schema_version")
        .order_by("-version__created_at", "role")
    )


def decommission_list(*, user):
    """Plans the user may see, open ones first, with their acknowledgement progress."""
    return (
        DecommissionPlan.objects.restrict(user, "view")
        .select_related("model", "version", "replacement")
        .annotate(
            n_notices=Count("notices", distinct=True),
            n_acknowledged=Count("notices", filter=Q(notices__acknowledged_at__isnull=False), distinct=True),
        )
        .order_by("status", "sunset_date")
    )


def lessons_learned(*, user, q: str = ""):
    """Post-mortems of finished decommissions, searchable."""
    plans = (
        DecommissionPlan.objects.restrict(user, "view")
        .filter(status=DecommissionPlan.Status.RETIRED)
        .exclude(lessons_learned="")
        .select_related("model__use_case__business_unit")
        .order_by("-retired_at")
    )
    if q:
        plans = plans.filter(Q(lessons_learned__icontains=q) | Q(postmortem__icontains=q) | Q(model__name__icontains=q))
    return plans


def proposal_list(*, user, status: str = "proposed"):
    """MLflow proposals the user may see: those of visible use cases, and those not yet attached to one."""
    visible = MlflowProposal.objects.restrict(user, "view").values("pk")
    proposals = MlflowProposal.objects.filter(Q(pk__in=visible) | Q(use_case__isnull=True))
    if status:
        proposals = proposals.filter(status=status)
    return proposals.select_related("use_case", "decided_by").order_by("-created_at")


# --- The data scientist's own work ----------------------------------------------------------------------

NEXT_STEP = {
    Stage.REGISTERED: Stage.IN_VALIDATION,
    Stage.IN_VALIDATION: Stage.PENDING_APPROVAL,
    Stage.PENDING_APPROVAL: Stage.APPROVED,
    Stage.APPROVED: Stage.PRODUCTION,
    Stage.STAGING: Stage.PRODUCTION,
}
MAX_BLOCKED = 25


def owned_models_by_stage(*, user) -> QuerySet[AIModel]:
    """The user's models with their versions counted per stage, in one query."""
    counts = {
        f"n_{stage}": Count("versions", filter=Q(versions__stage=stage), distinct=True)
        for stage in (Stage.IN_VALIDATION, Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.STAGING, Stage.PRODUCTION)
    }
    return (
        AIModel.objects.restrict(user, "view")
        .filter(owners=user)
        .select_related("use_case")
        .annotate(n_versions=Count("versions", distinct=True), **counts)
        .order_by("name")
    )


@dataclass(frozen=True)
class BlockedVersion:
    version: ModelVersion
    next_stage: str
    failed: list


def blocked_versions(*, user) -> list[BlockedVersion]:
    """The user's versions on their way to production, with the gates their next step would fail (a dry
    run: gates only read). At most MAX_BLOCKED versions, newest first."""
    from lifecycle import gates

    versions = (
        ModelVersion.objects.restrict(user, "view")
        .filter(model__owners=user, stage__in=[s for s in NEXT_STEP if s != Stage.REGISTERED])
        .select_related("model__use_case")
        .order_by("-created_at")[:MAX_BLOCKED]
    )
    blocked = []
    for version in versions:
        failed = [r for r in gates.run(version=version, to_stage=NEXT_STEP[version.stage]) if not r.passed]
        if failed:
            blocked.append(BlockedVersion(version, Stage(NEXT_STEP[version.stage]).label, failed))
    return blocked

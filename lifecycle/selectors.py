"""Reads of the inventory that the pages and the API share."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncQuarter

from core.periods import quarter_label, within
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


def filtered_model_list(*, user, q="", unit="", tier="", stage="", alert="") -> QuerySet[AIModel]:
    """The inventory narrowed by the filters the list page and the dashboards' drill-downs use."""
    models = model_list(user=user)
    if q:
        models = models.filter(Q(name__icontains=q) | Q(use_case__code__iexact=q) | Q(mlflow_name__icontains=q))
    if unit:
        models = models.filter(use_case__business_unit__code=unit)
    if tier:
        models = models.filter(use_case__risk_tier=tier)
    if stage:
        models = with_lead_stage(models).filter(lead_stage=stage)
    if alert == "critical":
        # Alerts belong to monitoring, above this app: filter through the reverse name, not an import.
        models = models.filter(
            versions__stage=Stage.PRODUCTION,
            versions__alerts__severity="critical",
            versions__alerts__status__in=["open", "acknowledged"],
        ).distinct()
    return models


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


# --- Portfolio view: where the models stand ---------------------------------------------------------

# A model stands at its most advanced version: one in production makes it a production model.
LEAD_ORDER = [
    Stage.PRODUCTION,
    Stage.STAGING,
    Stage.APPROVED,
    Stage.PENDING_APPROVAL,
    Stage.IN_VALIDATION,
    Stage.REGISTERED,
    Stage.SUSPENDED,
    Stage.DEPRECATED,
    Stage.REJECTED,
    Stage.RETIRED,
]


def with_lead_stage(models: QuerySet[AIModel]) -> QuerySet[AIModel]:
    """Annotates `lead_stage`: the stage of the model's most advanced version (None without versions)."""
    rank = Case(*(When(stage=s, then=Value(i)) for i, s in enumerate(LEAD_ORDER)), default=Value(len(LEAD_ORDER)))
    lead = ModelVersion.objects.filter(model=OuterRef("pk")).annotate(rank=rank).order_by("rank").values("stage")[:1]
    return models.annotate(lead_stage=Subquery(lead))


def tier_stage_counts(*, user, unit=None) -> dict[tuple[str, str], int]:
    """{(risk tier, lead stage): models} over the models the user may see, one grouped query."""
    models = AIModel.objects.restrict(user, "view")
    if unit is not None:
        models = models.filter(use_case__business_unit=unit)
    rows = with_lead_stage(models).order_by().values_list("use_case__risk_tier", "lead_stage").annotate(n=Count("pk"))
    return {(tier, stage): n for tier, stage, n in rows if stage}


def production_models_by_use_case(*, user, use_case_ids) -> dict[int, int]:
    """{use case id: models with a version in production}, one grouped query."""
    rows = (
        AIModel.objects.restrict(user, "view")
        .filter(use_case__in=use_case_ids, versions__stage=Stage.PRODUCTION)
        .order_by()
        .values_list("use_case_id")
        .annotate(n=Count("pk", distinct=True))
    )
    return dict(rows)


def version_list(*, user) -> QuerySet[ModelVersion]:
    """The versions the user may see, newest first, with their model, use case and unit."""
    return (
        ModelVersion.objects.restrict(user, "view")
        .select_related("model", "model__use_case", "model__use_case__business_unit")
        .order_by("-created_at", "-pk")
    )


def versions_moved(versions, *, to=None, start=None, end=None) -> QuerySet[ModelVersion]:
    """The versions with a stage transition to `to` (any stage if None) at or after `start` and before
    `end`: the list behind a bar of the lifecycle chart."""
    moves = StageTransition.objects.filter(**({"to_stage": to} if to else {}))
    return versions.filter(pk__in=within(moves, "at", start, end).values("version"))


def stage_moves_by_quarter(*, user, since, unit=None) -> dict[tuple[str, str], int]:
    """{(quarter label, to stage): versions} for moves into production or retirement since the date."""
    moves = StageTransition.objects.filter(
        version__in=ModelVersion.objects.restrict(user, "view"),
        to_stage__in=[Stage.PRODUCTION, Stage.RETIRED],
        at__gte=since,
    )
    if unit is not None:
        moves = moves.filter(version__model__use_case__business_unit=unit)
    rows = (
        moves.annotate(quarter=TruncQuarter("at"))
        .order_by()
        .values_list("quarter", "to_stage")
        .annotate(n=Count("version", distinct=True))
    )
    return {(quarter_label(quarter), stage): n for quarter, stage, n in rows}

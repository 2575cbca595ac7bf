"""Reads of the inventory that the pages and the API share."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncQuarter

from core.periods import quarter_label, within
from lifecycle.choices import Stage
from lifecycle.gates import Measure, measured_elsewhere
from lifecycle.models import (
    AIModel,
    Dataset,
    DecommissionPlan,
    Incident,
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


USE_CASE_CODE = re.compile(r"^\s*UC-?0*(\d{1,9})\s*$", re.IGNORECASE)


def model_search(q: str) -> Q:
    """A model by its name, its MLflow name, or its use case's code (UC-042, a column-less property: matched
    on the number it is made of) or title."""
    q = q.strip()
    match = Q(name__icontains=q) | Q(mlflow_name__icontains=q) | Q(use_case__title__icontains=q)
    code = USE_CASE_CODE.match(q)
    if code:
        match |= Q(use_case__number=int(code.group(1)))
    return match


def filtered_model_list(*, user, q="", unit="", tier="", stage="", alert="") -> QuerySet[AIModel]:
    """The inventory narrowed by the filters the list page and the dashboards' drill-downs use."""
    models = model_list(user=user)
    if q:
        models = models.filter(model_search(q))
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


# --- What stands before production: every gate ahead of a version, evaluated now ----------------------

# Where each gate is fixed, in one place: gate name -> (what to do, URL name, which record the URL takes[, the
# part of the page]). Governance's pages are named, not imported: lifecycle links to them the way its templates do.
GATE_FIXES: dict[str, tuple[str, ...]] = {
    "input signature recorded": ("Re-import the version from MLflow with its signature", "lifecycle:register", ""),
    "datasets recorded": ("Link data", "lifecycle:version_data", "version"),
    "input signature compatible": ("Acknowledge the break", "lifecycle:version_detail", "version", "#signature-break"),
    "impact assessment approved": ("Impact assessment", "governance:assessment", "use_case"),
    "not a prohibited practice": ("Impact assessment", "governance:assessment", "use_case"),
    "review complete": ("Sign on the review", "governance:review_detail", "review", "#sign"),
    "approval current": ("Sign on the review", "governance:review_detail", "review", "#sign"),
    "approved before production": ("Review and sign-offs", "governance:review_detail", "review"),
    "metric thresholds met": ("Metrics", "monitoring:version_metrics", "version"),
    "not worse than production": ("Compare with production", "monitoring:version_metrics", "version"),
    "no open high-severity finding": ("Findings of the review", "governance:review_detail", "review", "#findings"),
    "model card complete": ("Fill the model card", "governance:model_card_edit", "version"),
    "bias assessment passed": ("Bias assessment", "governance:bias_assessments", "version"),
    "required test evidence": ("Submit test evidence", "governance:test_evidence", "version"),
    "production deployment recorded": ("Record deployment", "lifecycle:deployment_record", "version"),
    "outside a freeze window": ("Request a freeze exemption", "governance:freeze_exemption_request", "version"),
    "no open critical alert": ("Alerts", "monitoring:alert_list", ""),
    "emergency release valid": ("Emergency release", "governance:emergency_request", "version"),
    "decommission plan complete": ("Plan decommissioning", "lifecycle:decommission_create", "model"),
}
# The way to production a version normally takes; staging is optional and shown only when it has gates.
ROAD_TO_PRODUCTION = [Stage.IN_VALIDATION, Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.STAGING, Stage.PRODUCTION]
PASSED, FAILED, NOT_APPLICABLE = "passed", "failed", "not applicable"
_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}
_COMPARE = {">=": lambda a, b: a >= b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, "<": lambda a, b: a < b}


@dataclass(frozen=True)
class ChecklistItem:
    stage: str  # the label of the stage the gate guards
    gate: str
    state: str
    detail: str
    fix_label: str = ""
    fix_url: str = ""
    measures: tuple = ()  # lifecycle.gates.Measure
    to: str = ""  # the stage the gate guards


@dataclass(frozen=True)
class GateChecklist:
    version: ModelVersion
    next_stage: str  # the label of the next step, "" when none is ahead
    stages: list  # [(stage label, [ChecklistItem])], next step first
    may_move: bool

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for _, items in self.stages for item in items]

    @property
    def failed(self) -> list[ChecklistItem]:
        return [item for item in self.items if item.state == FAILED]

    @property
    def next_step_clear(self) -> bool:
        return bool(self.stages) and all(item.state != FAILED for item in self.stages[0][1])


def _latest_review(version):
    # Reviews belong to governance, above this app: read through the reverse name, not an import.
    return version.reviews.exclude(status="superseded").order_by("-opened_at", "-pk").first()


def gate_fix(gate: str, version: ModelVersion, review=None) -> tuple[str, str]:
    """(what to do, URL of the page that does it) for a gate, or ("", "") when no page fixes it."""
    from django.urls import NoReverseMatch, reverse

    label, url_name, arg, *part = GATE_FIXES.get(gate, ("", "", ""))
    if not url_name:
        return "", ""
    if gate == "datasets recorded" and (untreated := _untreated_dataset(version)) is not None:
        return "Approve its privacy treatment", reverse("lifecycle:dataset_detail", args=[untreated.pk]) + "#privacy"
    if arg == "review":
        review = review if review is not None else _latest_review(version)
        if review is None:  # nothing to sign yet: the fix is to ask for the review, on the version's page
            return "Request review", reverse("lifecycle:version_detail", args=[version.pk]) + "#move"
    pk = {
        "version": version.pk,
        "model": version.model_id,
        "use_case": version.model.use_case_id,
        "review": getattr(review, "pk", None),
    }.get(arg)
    try:
        return label, reverse(url_name, args=[pk] if arg else []) + "".join(part)
    except NoReverseMatch:  # a page another app has not (yet) got
        return "", ""


def _untreated_dataset(version):
    """The first restricted personal dataset the version uses with no approved privacy treatment, if any."""
    return (
        Dataset.objects.filter(
            version_links__version=version, sensitivity=Dataset.Sensitivity.RESTRICTED_PERSONAL, privacy_treatment=None
        )
        .order_by("name")
        .first()
    )


def _threshold_measures(version, review) -> tuple:
    """Each metric threshold of the review's policy beside the version's value: "auc 0.74 ≥ 0.7". Thresholds
    another app measures (fairness, on a bias assessment) are shown beside its gate instead."""
    if review is None:
        return ()
    metrics = version.metrics or {}
    return tuple(
        threshold_measure(rule, metrics.get(rule.get("metric")))
        for rule in (review.policy_snapshot or {}).get("metric_thresholds", [])
        if not measured_elsewhere(rule.get("metric"))
        and rule.get("operator") in _COMPARE
        and isinstance(rule.get("value"), int | float)
    )


def threshold_measure(rule: dict, value, *, source: str = "", missing: str = "not recorded") -> Measure:
    """A policy threshold ({"metric", "operator", "value"}) beside the value measured: "auc 0.74 ≥ 0.7"."""
    metric, op, threshold = rule["metric"], rule["operator"], rule["value"]
    if not isinstance(value, int | float) or isinstance(value, bool):
        return Measure(f"{metric} {missing} (needs {_SYMBOLS[op]} {threshold:g})", False, source)
    return Measure(f"{metric} {value:g} {_SYMBOLS[op]} {threshold:g}", _COMPARE[op](value, threshold), source)


def _production_measure(version) -> tuple:
    model = version.model
    production = model.versions.filter(stage=Stage.PRODUCTION).exclude(pk=version.pk).first()
    if not model.primary_metric or production is None:
        return ()
    metric = model.primary_metric
    mine, theirs = (version.metrics or {}).get(metric), (production.metrics or {}).get(metric)
    if not isinstance(mine, int | float) or not isinstance(theirs, int | float):
        return ()
    sign = "≥" if model.higher_is_better else "≤"
    bound = theirs - model.metric_tolerance if model.higher_is_better else theirs + model.metric_tolerance
    ok = mine >= bound - 1e-12 if model.higher_is_better else mine <= bound + 1e-12
    return (
        Measure(
            f"{metric} {mine:g} {sign} {bound:g} "
            f"(v{production.version} {theirs:g}, tolerance {model.metric_tolerance:g})",
            ok,
        ),
    )


def _not_applicable(gate: str, version, review, *, later: bool) -> str:
    """Why a gate does not apply to this version yet, or at all; "" when it applies. `later`: the gate is of
    a stage beyond the next one, which the version reaches through the review."""
    if gate == "approved before production" and later:
        return "On this road the version is approved before production; it matters only for an emergency release."
    production = version.model.versions.filter(stage=Stage.PRODUCTION).exclude(pk=version.pk).exists()
    if gate == "input signature compatible" and not production:
        return "No version of this model is in production: there are no callers to break."
    if gate == "not worse than production" and not (production and version.model.primary_metric):
        return "Nothing to compare with: no version in production, or no primary metric set on the model."
    if gate in ("metric thresholds met", "no open high-severity finding") and review is None:
        return "Applies once a review is open: its policy names the thresholds."
    return ""


def gate_checklist(version: ModelVersion, user, *, review=None) -> GateChecklist:
    """Every gate between the version and production, evaluated now without moving it (gates only read):
    per stage ahead, each gate passed, failed or not applicable, the measured values beside thresholds, and
    the page that fixes it. The review page shows the same list for its `review` (else the latest one)."""
    from core.permissions import can
    from lifecycle import gates

    version = ModelVersion.objects.select_related("model__use_case").get(pk=version.pk)
    review = review if review is not None else _latest_review(version)
    if version.stage in ROAD_TO_PRODUCTION[:-1] or version.stage == Stage.REGISTERED:
        start = ROAD_TO_PRODUCTION.index(version.stage) + 1 if version.stage in ROAD_TO_PRODUCTION else 0
        ahead = [s for s in ROAD_TO_PRODUCTION[start:] if s != Stage.STAGING or gates.registered(s)]
    else:
        ahead = []  # in production, or off the road (deprecated, suspended, closed)
    stages = []
    for position, stage in enumerate(ahead):
        items = []
        for result in gates.run(version=version, to_stage=stage):
            why_na = _not_applicable(result.gate, version, review, later=position > 0)
            if not result.passed and result.gate != "approved before production":
                why_na = ""  # a failing gate applies, whatever the reason it might not have
            state = NOT_APPLICABLE if why_na else (PASSED if result.passed else FAILED)
            label, url = gate_fix(result.gate, version, review) if state != NOT_APPLICABLE else ("", "")
            if result.gate == "metric thresholds met":
                measures = _threshold_measures(version, review)
            elif result.gate == "not worse than production":
                measures = _production_measure(version)
            else:  # e.g. the fairness thresholds governance measures on the latest bias assessment
                measures = gates.measures(result.gate, version=version, review=review)
            items.append(
                ChecklistItem(
                    stage=Stage(stage).label,
                    gate=result.gate,
                    state=state,
                    detail=why_na or result.detail,
                    fix_label=label,
                    fix_url=url,
                    measures=measures,
                    to=stage,
                )
            )
        stages.append((Stage(stage).label, items))
    return GateChecklist(
        version=version,
        next_stage=Stage(ahead[0]).label if ahead else "",
        stages=stages,
        may_move=can(user, "change", version.model),
    )


def refusal_fixes(version: ModelVersion, failed_gates: list[dict]) -> list[tuple[str, str, str, str]]:
    """For a refused move: (gate, what is missing, what to do, URL) per failed gate."""
    review = _latest_review(version)
    return [(g["gate"], g.get("detail", ""), *gate_fix(g["gate"], version, review)) for g in failed_gates]


def incident_list(*, user, kind: str = ""):
    """Production incidents (rollbacks, emergency releases) on the models the user may see, newest first."""
    incidents = Incident.objects.restrict(user, "view").select_related("model", "model__use_case", "opened_by")
    return incidents.filter(kind=kind) if kind else incidents

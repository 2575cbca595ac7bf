"""Pulling metric histories from MLflow into series: incremental (a watermark per series), idempotent
(points unique by series, step and timestamp; replays insert nothing), resumable (the watermark is
committed with the points it covers) and resilient (MLflow reads through core.mlflow_client)."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core import mlflow_client
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.choices import SyncStatus
from monitoring.models import MetricDefinition, MetricPoint, MetricSeries, SyncRun
from monitoring.services import alerts_evaluate

logger = logging.getLogger("lodestar.monitoring")

# Versions whose metrics are watched: from validation on, and deprecated ones still serving traffic.
GOVERNED_STAGES = (
    Stage.IN_VALIDATION,
    Stage.PENDING_APPROVAL,
    Stage.APPROVED,
    Stage.STAGING,
    Stage.PRODUCTION,
    Stage.DEPRECATED,
)
VERSION_TAG = "lodestar.model_version"
MAX_ERRORS = 200  # a sync run keeps this many error lines; the count goes on


@dataclass
class VersionResult:
    version_id: int
    inserted: int = 0
    skipped: int = 0
    series: int = 0
    errors: list[str] = field(default_factory=list)


def governed_versions():
    """Versions in a watched stage that have something in MLflow (a training run or a registered model)."""
    return (
        ModelVersion.objects.filter(stage__in=GOVERNED_STAGES)
        .filter(~Q(mlflow_run_id="") | ~Q(model__mlflow_name=""))
        .order_by("pk")
    )


def _monitoring_filter(version_id: int) -> str:
    return f"tags.`{VERSION_TAG}` = '{int(version_id)}'"


def _runs_of(version: ModelVersion, experiment_ids: list[str], result: VersionResult) -> list[dict]:
    runs = {}
    if version.mlflow_run_id:
        try:
            runs[version.mlflow_run_id] = mlflow_client.get_run(version.mlflow_run_id)
        except mlflow_client.MlflowNotFound:
            result.errors.append(f"{version}: MLflow has no training run {version.mlflow_run_id} (deleted?)")
    if experiment_ids:
        for run in mlflow_client.search_runs(
            experiment_ids=experiment_ids, filter_string=_monitoring_filter(version.pk)
        ):
            summary = mlflow_client.run_summary(run)
            if summary["run_id"]:
                runs.setdefault(summary["run_id"], summary)
    return list(runs.values())


def _quoted(values: list[str]) -> str:
    return ", ".join("'" + value.replace("'", "") + "'" for value in values)


def sync_plan(version_ids: list[int], experiment_ids: list[str]) -> dict[int, list[dict] | None]:
    """The versions with something new in MLflow, each with the summaries of its runs.

    A few run searches answer for every version at once (the training runs by id, 100 per search, and
    every run tagged with a version): each run's latest value of each catalogued metric is compared with
    the series' watermark, so a sync with nothing new reads no history at all. A version whose training
    run the searches do not return (deleted, or in an experiment not listed) maps to None: its task reads
    its runs one by one."""
    if not version_ids or not experiment_ids:
        return {pk: None for pk in version_ids}
    training: dict[str, list[int]] = {}  # a run may have been registered as several versions
    for run_id, pk in (
        ModelVersion.objects.filter(pk__in=version_ids).exclude(mlflow_run_id="").values_list("mlflow_run_id", "pk")
    ):
        training.setdefault(run_id, []).append(pk)
    runs: dict[int, dict[str, dict]] = {pk: {} for pk in version_ids}
    run_ids = list(training)
    found: set[str] = set()
    for start in range(0, len(run_ids), 100):
        answer = mlflow_client.search_runs(
            experiment_ids=experiment_ids,
            filter_string=f"attributes.run_id IN ({_quoted(run_ids[start : start + 100])})",
        )
        for summary in map(mlflow_client.run_summary, answer):
            for pk in training.get(summary["run_id"], []):
                runs[pk][summary["run_id"]] = summary
                found.add(summary["run_id"])
    unresolved = {pk for run_id in run_ids if run_id not in found for pk in training[run_id]}
    for summary in map(
        mlflow_client.run_summary,
        mlflow_client.search_runs(experiment_ids=experiment_ids, filter_string=f"tags.`{VERSION_TAG}` LIKE '%'"),
    ):
        tag = str(summary["tags"].get(VERSION_TAG) or "")
        if tag.isdigit() and int(tag) in runs and summary["run_id"]:
            runs[int(tag)].setdefault(summary["run_id"], summary)
    marks = {
        (pk, run_id, name): (step, timestamp)
        for pk, run_id, name, step, timestamp in MetricSeries.objects.filter(
            model_version_id__in=version_ids
        ).values_list("model_version_id", "run_id", "metric__name", "last_step", "last_timestamp")
    }
    catalogue = set(MetricDefinition.objects.values_list("name", flat=True))
    plan: dict[int, list[dict] | None] = {}
    for pk in version_ids:
        if pk in unresolved:
            plan[pk] = None
            continue
        changed = any(
            key in catalogue and marks.get((pk, summary["run_id"], key)) != tuple(latest)
            for summary in runs[pk].values()
            for key, latest in summary["latest"].items()
        )
        if changed:
            plan[pk] = list(runs[pk].values())
    return plan


def _after(point_key: tuple[int, int], mark: tuple[int | None, int | None]) -> bool:
    return mark[0] is None or point_key > (mark[0], mark[1])


@transaction.atomic
def series_store(*, series_id: int, points: list[tuple[int, int, float]]) -> int:
    """Insert the points (existing ones are ignored), move the watermark and judge the new points against
    the alert rules, all in one transaction. Returns how many points were inserted."""
    series = (
        MetricSeries.objects.select_for_update()
        .select_related("metric", "model_version__model__use_case")
        .get(pk=series_id)
    )
    mark = (series.last_step, series.last_timestamp)
    unique = {(s, t): v for s, t, v in points}  # one value per (step, timestamp): the unique key
    before = series.points.count()
    MetricPoint.objects.bulk_create(
        (MetricPoint(series=series, step=s, timestamp=t, value=v) for (s, t), v in unique.items()),
        ignore_conflicts=True,
        batch_size=2000,
    )
    inserted = series.points.count() - before
    new = sorted((s, t, v) for (s, t), v in unique.items() if _after((s, t), mark))
    if unique:
        top = max(unique)
        if _after(top, mark):
            series.last_step, series.last_timestamp = top
    series.synced_at = timezone.now()
    series.save(update_fields=["last_step", "last_timestamp", "synced_at"])
    alerts_evaluate(series=series, new=new)
    return inserted


def version_sync(*, version_id: int, experiment_ids: list[str], runs: list[dict] | None = None) -> VersionResult:
    """Sync every catalogued metric of the version's training run and monitoring runs from its watermark.

    MLflow errors of one run or metric are recorded and the others go on; MLflow being unreachable stops
    the version (raised as MlflowUnavailable) with everything stored so far committed."""
    result = VersionResult(version_id)
    version = ModelVersion.objects.select_related("model").get(pk=version_id)
    catalogue = {d.name: d for d in MetricDefinition.objects.all()}
    for run in _runs_of(version, experiment_ids, result) if runs is None else runs:
        for key, latest in run["latest"].items():
            latest = tuple(latest)  # a list once it went through a task's JSON
            definition = catalogue.get(key)
            if definition is None:
                continue
            series, _ = MetricSeries.objects.get_or_create(
                model_version=version, run_id=run["run_id"], metric=definition
            )
            result.series += 1
            if latest[0] is not None and (series.last_step, series.last_timestamp) == latest:
                continue  # MLflow's latest point is our watermark: nothing new to read
            try:
                history = mlflow_client.metric_history(run["run_id"], key)
            except mlflow_client.MlflowNotFound:
                result.errors.append(f"{version}: run {run['run_id']} has no history for {key}")
                continue
            result.skipped += history.skipped
            if history.skipped:
                result.errors.append(f"{version}: {history.skipped} invalid point(s) of {key} skipped")
            result.errors += [f"{version}: {problem}" for problem in history.problems or []]
            result.inserted += series_store(series_id=series.pk, points=history.points)
    return result


# --- Sync runs ----------------------------------------------------------------------------------------


def sync_run_start(*, trigger: str) -> tuple[SyncRun, dict[int, list[dict] | None], list[str]]:
    """Open a sync run and plan it: the governed versions with something new in MLflow (see `sync_plan`);
    the others count as done at once. MLflow unreachable here closes the run as failed."""
    sync_runs_close_interrupted()
    sync_run = SyncRun.objects.create(trigger=trigger)
    version_ids = list(governed_versions().values_list("pk", flat=True))
    try:
        experiment_ids = mlflow_client.search_experiment_ids() if version_ids else []
        plan = sync_plan(version_ids, experiment_ids)
    except mlflow_client.MlflowUnavailable as exc:
        sync_run_fail(sync_run_id=sync_run.pk, error=f"MLflow unreachable: {exc}")
        sync_run.refresh_from_db()
        return sync_run, {}, []
    SyncRun.objects.filter(pk=sync_run.pk).update(
        versions_total=len(version_ids), versions_done=len(version_ids) - len(plan)
    )
    if not plan:
        sync_run_finish(sync_run_id=sync_run.pk)
    sync_run.refresh_from_db()
    return sync_run, plan, experiment_ids


def sync_runs_close_interrupted() -> int:
    """Runs left running longer than MONITORING_SYNC_STALE_AFTER lost their workers: mark them failed (what
    they stored stays, and the watermarks let this sync pick up the rest)."""
    limit = timezone.now() - timedelta(seconds=settings.MONITORING_SYNC_STALE_AFTER)
    return SyncRun.objects.filter(status=SyncStatus.RUNNING, started_at__lt=limit).update(
        status=SyncStatus.FAILED, finished_at=timezone.now(), errors=["interrupted: no worker finished it"]
    )


@transaction.atomic
def sync_run_fail(*, sync_run_id: int, error: str) -> None:
    SyncRun.objects.filter(pk=sync_run_id).update(
        status=SyncStatus.FAILED, finished_at=timezone.now(), errors=[error[:500]]
    )


@transaction.atomic
def sync_run_record(*, sync_run_id: int, result: VersionResult | None, error: str = "") -> SyncRun:
    """Add one version's outcome to the run (row-locked: versions finish on several workers); the last
    version closes the run: succeeded, partly failed, or failed when no version got through."""
    sync_run = SyncRun.objects.select_for_update().get(pk=sync_run_id)
    errors = list(sync_run.errors)
    if result is not None:
        sync_run.points_inserted = F("points_inserted") + result.inserted
        sync_run.points_skipped = F("points_skipped") + result.skipped
        errors += result.errors
    if error:
        errors.append(error)
    sync_run.errors = errors[:MAX_ERRORS]
    sync_run.versions_done = F("versions_done") + 1
    sync_run.save(update_fields=["points_inserted", "points_skipped", "errors", "versions_done"])
    sync_run.refresh_from_db()
    if sync_run.versions_done >= sync_run.versions_total and sync_run.status == SyncStatus.RUNNING:
        sync_run_finish(sync_run_id=sync_run.pk)
        sync_run.refresh_from_db()
    return sync_run


@transaction.atomic
def sync_run_finish(*, sync_run_id: int) -> None:
    sync_run = SyncRun.objects.select_for_update().get(pk=sync_run_id)
    failed_versions = sum(1 for e in sync_run.errors if e.startswith("MLflow unreachable"))
    if failed_versions and failed_versions >= sync_run.versions_total:
        status = SyncStatus.FAILED
    elif sync_run.errors:
        status = SyncStatus.PARTIAL
    else:
        status = SyncStatus.SUCCEEDED
    SyncRun.objects.filter(pk=sync_run_id).update(status=status, finished_at=timezone.now())
    if status != SyncStatus.FAILED:
        # KPIs bound to metrics move with the new points, once they are committed (a task: it may take a while).
        from monitoring import tasks

        transaction.on_commit(tasks.kpis_feed.delay)
        # Value contracts of the use cases whose production versions got points in this run, the same way.
        since = sync_run.started_at.isoformat()
        transaction.on_commit(lambda: tasks.values_realise.delay(since))


def version_sync_recorded(
    *, sync_run_id: int, version_id: int, experiment_ids: list[str], runs: list[dict] | None = None
) -> SyncRun:
    """Sync one version and add its outcome to the sync run, whatever happens (the task and the command)."""
    try:
        result = version_sync(version_id=version_id, experiment_ids=experiment_ids, runs=runs)
    except ModelVersion.DoesNotExist:
        return sync_run_record(sync_run_id=sync_run_id, result=None, error=f"version {version_id} no longer exists")
    except mlflow_client.MlflowUnavailable as exc:
        logger.warning("MLflow unreachable while syncing version %s: %s", version_id, exc)
        return sync_run_record(
            sync_run_id=sync_run_id, result=None, error=f"MLflow unreachable (version {version_id}): {exc}"
        )
    return sync_run_record(sync_run_id=sync_run_id, result=result)


def metrics_sync(*, trigger: str = "command", progress: Callable[[int, int, SyncRun], None] | None = None) -> SyncRun:
    """The whole sync in this process, version after version (manage.py sync_mlflow)."""
    sync_run, plan, experiment_ids = sync_run_start(trigger=trigger)
    for done, (version_id, runs) in enumerate(plan.items(), start=1):
        sync_run = version_sync_recorded(
            sync_run_id=sync_run.pk, version_id=version_id, experiment_ids=experiment_ids, runs=runs
        )
        if progress:
            progress(done, len(plan), sync_run)
    sync_run.refresh_from_db()
    return sync_run

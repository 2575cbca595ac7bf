"""Pulling metric histories from MLflow into series: incremental (a watermark per series), idempotent
(points unique by series, step and timestamp; replays insert nothing), resumable (the watermark is
committed with the points it covers) and resilient (MLflow reads through lifecycle.mlflow_client)."""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from lifecycle import mlflow_client
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.choices import SyncStatus
from monitoring.models import AlertRule, MetricDefinition, MetricPoint, MetricSeries, SyncRun
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


def _in_parallel(read: Callable, requests: list) -> list:
    """`read` of each request, MONITORING_SYNC_READ_THREADS at a time, in order: the sync mostly waits for
    MLflow, which serves requests in parallel. The first exception is raised, as a loop would."""
    threads = max(1, min(settings.MONITORING_SYNC_READ_THREADS, len(requests)))
    if threads == 1:
        return [read(request) for request in requests]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(read, requests))


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
    tagged = f"tags.`{VERSION_TAG}` LIKE '%'"  # every monitoring run, whatever version it watches
    filters = [
        f"attributes.run_id IN ({_quoted(run_ids[start : start + 100])})" for start in range(0, len(run_ids), 100)
    ]
    answers = _in_parallel(
        lambda filter_string: mlflow_client.search_runs(experiment_ids=experiment_ids, filter_string=filter_string),
        [*filters, tagged],
    )
    for answer in answers[:-1]:
        for summary in map(mlflow_client.run_summary, answer):
            for pk in training.get(summary["run_id"], []):
                runs[pk][summary["run_id"]] = summary
                found.add(summary["run_id"])
    unresolved = {pk for run_id in run_ids if run_id not in found for pk in training[run_id]}
    for summary in map(mlflow_client.run_summary, answers[-1]):
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
def series_store_many(
    points_by_series: dict[int, list[tuple[int, int, float]]],
    *,
    judged: set[int] | None = None,
    read_up_to: dict[int, tuple[int, int] | None] | None = None,
) -> dict[int, int]:
    """Insert each series' points (existing ones are ignored), move the watermarks and judge the new points
    against the alert rules (only series in `judged`: the caller knows which metrics a rule watches), all in
    one transaction. A watermark also passes the refused points a history read ended on (`read_up_to`), so a
    NaN as MLflow's latest value is not read again at every sync. Returns how many points were inserted per
    series."""
    locked = list(
        MetricSeries.objects.select_for_update(of=("self",))
        .select_related("metric", "model_version__model__use_case")
        .filter(pk__in=points_by_series)
        .order_by("pk")  # one lock order for every worker: no deadlock between two batches
    )
    now, rows, fresh, recount = timezone.now(), [], {}, []
    for series in locked:
        mark = (series.last_step, series.last_timestamp)
        unique = {(s, t): v for s, t, v in points_by_series[series.pk]}  # one value per (step, timestamp)
        fresh[series.pk] = sorted((s, t, v) for (s, t), v in unique.items() if _after((s, t), mark))
        # No stored point lies past the watermark (they move together), so only points at or before it may
        # already be there: count the rows only for series that got such points.
        if len(fresh[series.pk]) < len(unique):
            recount.append(series.pk)
        rows += [(series.pk, s, t, v) for (s, t), v in unique.items()]
        reached = [point[:2] for point in fresh[series.pk][-1:]]
        read_last = (read_up_to or {}).get(series.pk)
        if read_last is not None and _after(read_last, mark):
            reached.append(read_last)
        if reached:
            series.last_step, series.last_timestamp = max(reached)
        series.synced_at = now
    before = _counts(recount)
    _insert_points(rows)
    after = _counts(recount)
    _move_watermarks(locked, now)
    for series in locked:
        if judged is None or series.pk in judged:
            alerts_evaluate(series=series, new=fresh[series.pk])
    return {
        series.pk: after.get(series.pk, 0) - before.get(series.pk, 0) if series.pk in recount else len(fresh[series.pk])
        for series in locked
    }


# One statement per batch of points, without a model instance per point (the sync's hot path: a tenth of a
# second per 10,000 points instead of half a second). The unique constraint drops points already stored.
INSERT_POINTS = (
    'INSERT INTO "monitoring_metricpoint" ("series_id", "step", "timestamp", "value") VALUES (%s, %s, %s, %s) '
    'ON CONFLICT ("series_id", "step", "timestamp") DO NOTHING'
)


def _insert_points(rows: list[tuple[int, int, int, float]]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(INSERT_POINTS, rows[start : start + 5000])


def _move_watermarks(locked: list[MetricSeries], now) -> None:
    """One UPDATE per distinct watermark: series synced together mostly end on the same step and time, and a
    bulk_update's CASE per row costs more than the whole insert."""
    by_mark: dict[tuple, list[int]] = {}
    for series in locked:
        by_mark.setdefault((series.last_step, series.last_timestamp), []).append(series.pk)
    for (step, timestamp), ids in by_mark.items():
        MetricSeries.objects.filter(pk__in=ids).update(last_step=step, last_timestamp=timestamp, synced_at=now)


def _counts(series_ids: list[int]) -> dict[int, int]:
    if not series_ids:
        return {}
    rows = MetricPoint.objects.filter(series_id__in=series_ids).values("series_id").annotate(n=Count("pk"))
    return {row["series_id"]: row["n"] for row in rows}


def series_store(*, series_id: int, points: list[tuple[int, int, float]]) -> int:
    """One series' points (see `series_store_many`): the demo, feedback and tests store through here."""
    return series_store_many({series_id: points})[series_id]


Histories = dict[tuple[str, str], mlflow_client.MetricHistory]


def _read_in_bulk(wanted: list[tuple[str, str]]) -> Histories:
    """The histories of these (run, metric) pairs, many runs per request through MLflow's bulk endpoint, a few
    requests at a time. What it cannot answer
    (switched off, missing, an answer that may be cut, MLflow down) is left out: the caller reads those from
    the public per-run endpoint."""
    runs_by_key: dict[str, list[str]] = {}
    for run_id, key in sorted(set(wanted)):
        runs_by_key.setdefault(key, []).append(run_id)
    requests = [
        (key, run_ids[start : start + mlflow_client.BULK_RUNS])
        for key, run_ids in runs_by_key.items()
        for start in range(0, len(run_ids), mlflow_client.BULK_RUNS)
    ]
    histories: Histories = {}

    def read(request: tuple[str, list[str]]) -> dict[str, mlflow_client.MetricHistory] | None:
        key, run_ids = request
        try:
            return mlflow_client.metric_histories_bulk(run_ids, key)
        except mlflow_client.MlflowUnavailable as exc:
            logger.warning("MLflow unreachable during bulk history reads: %s", exc)
            return None

    for (key, _), found in zip(requests, _in_parallel(read, requests), strict=True):
        histories.update({(run_id, key): history for run_id, history in (found or {}).items()})
    return histories


def _series_of(versions: list[ModelVersion], runs_by_version: dict[int, list[dict]], catalogue) -> dict:
    """The series of each (version, run, catalogued metric) the runs report, created when missing."""
    wanted = {
        (version.pk, run["run_id"], catalogue[key].pk)
        for version in versions
        for run in runs_by_version.get(version.pk, [])
        for key in run["latest"]
        if key in catalogue
    }
    known = lambda: {  # noqa: E731
        (s.model_version_id, s.run_id, s.metric_id): s for s in MetricSeries.objects.filter(model_version__in=versions)
    }
    series = known()
    missing = wanted - set(series)
    if missing:
        MetricSeries.objects.bulk_create(
            [MetricSeries(model_version_id=v, run_id=r, metric_id=m) for v, r, m in sorted(missing)],
            ignore_conflicts=True,  # another worker may create the same series at the same time
        )
        series = known()
    return series


def versions_sync(
    *, batch: dict[int, list[dict] | None], experiment_ids: list[str]
) -> tuple[list[VersionResult], list[str]]:
    """Sync every catalogued metric of each version's training run and monitoring runs from its watermark:
    read what is new (in bulk where MLflow allows), then store the whole batch in one transaction. Returns the
    results of the versions that got through, and one error line per version that did not (MLflow
    unreachable, version gone): those keep their watermarks for the next sync.

    MLflow errors of one run or metric are recorded and the others go on."""
    versions = list(ModelVersion.objects.select_related("model").filter(pk__in=batch).order_by("pk"))
    failures = [f"version {pk} no longer exists" for pk in batch if pk not in {v.pk for v in versions}]
    catalogue = {d.name: d for d in MetricDefinition.objects.all()}
    ruled = set(AlertRule.objects.filter(active=True).values_list("metric_id", flat=True))
    results = {v.pk: VersionResult(v.pk) for v in versions}
    runs_by_version: dict[int, list[dict]] = {}
    for version in versions:
        try:
            runs = batch[version.pk]
            runs_by_version[version.pk] = (
                _runs_of(version, experiment_ids, results[version.pk]) if runs is None else runs
            )
        except mlflow_client.MlflowUnavailable as exc:
            failures.append(_unreachable(version.pk, exc))
            del results[version.pk]
    versions = [v for v in versions if v.pk in results]
    series = _series_of(versions, runs_by_version, catalogue)
    # (version, run, metric, series) whose latest point in MLflow is past our watermark: the reads to make.
    stale = []
    for version in versions:
        for run in runs_by_version[version.pk]:
            for key, latest in run["latest"].items():
                if key not in catalogue:
                    continue
                found = series[(version.pk, run["run_id"], catalogue[key].pk)]
                results[version.pk].series += 1
                if latest[0] is None or (found.last_step, found.last_timestamp) != tuple(latest):
                    stale.append((version, run["run_id"], key, found))
    histories = _read_in_bulk([(run_id, key) for _, run_id, key, _ in stale])
    to_store: dict[int, list] = {}
    owner: dict[int, int] = {}
    read_up_to: dict[int, tuple[int, int] | None] = {}
    for version, run_id, key, found in stale:
        result = results.get(version.pk)
        if result is None:
            continue  # MLflow went down during this version's reads: it is stored whole or not at all
        try:
            history = histories.get((run_id, key)) or mlflow_client.metric_history(run_id, key)
        except mlflow_client.MlflowNotFound:
            result.errors.append(f"{version}: run {run_id} has no history for {key}")
            continue
        except mlflow_client.MlflowUnavailable as exc:
            failures.append(_unreachable(version.pk, exc))
            del results[version.pk]
            for pk in [pk for pk, v in owner.items() if v == version.pk]:
                del to_store[pk], owner[pk], read_up_to[pk]
            continue
        result.skipped += history.skipped
        if history.skipped:
            result.errors.append(f"{version}: {history.skipped} invalid point(s) of {key} skipped")
        result.errors += [f"{version}: {problem}" for problem in history.problems or []]
        to_store[found.pk], owner[found.pk], read_up_to[found.pk] = history.points, version.pk, history.newest
    judged = {found.pk for *_, found in stale if found.pk in to_store and found.metric_id in ruled}
    if to_store:
        for pk, inserted in series_store_many(to_store, judged=judged, read_up_to=read_up_to).items():
            results[owner[pk]].inserted += inserted
    return list(results.values()), failures


def _unreachable(version_id: int, exc: Exception) -> str:
    logger.warning("MLflow unreachable while syncing version %s: %s", version_id, exc)
    return f"MLflow unreachable (version {version_id}): {exc}"


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
def sync_run_record(*, sync_run_id: int, results: list[VersionResult], errors: list[str], versions: int) -> SyncRun:
    """Add a batch's outcome to the run (row-locked: batches finish on several workers); the last batch
    closes the run: succeeded, partly failed, or failed when no version got through."""
    sync_run = SyncRun.objects.select_for_update().get(pk=sync_run_id)
    lines = list(sync_run.errors) + errors + [line for result in results for line in result.errors]
    sync_run.points_inserted = F("points_inserted") + sum(r.inserted for r in results)
    sync_run.points_skipped = F("points_skipped") + sum(r.skipped for r in results)
    sync_run.errors = lines[:MAX_ERRORS]
    sync_run.versions_done = F("versions_done") + versions
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
    if status != SyncStatus.FAILED and sync_run.points_inserted:
        # KPIs bound to metrics move with the new points, once they are committed (a task: it may take a while);
        # a sync that stored nothing moves nothing.
        from monitoring import tasks

        transaction.on_commit(tasks.kpis_feed.delay)
        # Value contracts of the use cases whose production versions got points in this run, the same way.
        since = sync_run.started_at.isoformat()
        transaction.on_commit(lambda: tasks.values_realise.delay(since))


def version_sync_recorded(*, sync_run_id: int, version_id: int, experiment_ids: list[str], runs=None) -> SyncRun:
    """One version as a batch of one (tasks queued before batches existed)."""
    return batch_sync_recorded(sync_run_id=sync_run_id, batch={version_id: runs}, experiment_ids=experiment_ids)


def batches(plan: dict[int, list[dict] | None], size: int | None = None) -> list[dict[int, list[dict] | None]]:
    """The plan cut into batches of `size` (default MONITORING_SYNC_BATCH) versions: one task (and one set of
    bulk reads) each."""
    items, size = list(plan.items()), size or settings.MONITORING_SYNC_BATCH
    return [dict(items[start : start + size]) for start in range(0, len(items), size)]


def batch_sync_recorded(*, sync_run_id: int, batch: dict[int, list[dict] | None], experiment_ids: list[str]) -> SyncRun:
    """Sync a batch of versions and add the outcome to the sync run, whatever happens (the task and the
    command)."""
    results, errors = versions_sync(batch=batch, experiment_ids=experiment_ids)
    return sync_run_record(sync_run_id=sync_run_id, results=results, errors=errors, versions=len(batch))


def metrics_sync(*, trigger: str = "command", progress: Callable[[int, int, SyncRun], None] | None = None) -> SyncRun:
    """The whole sync in this process, batch after batch (manage.py sync_mlflow). Nothing runs in parallel here,
    so a batch holds as many versions as one bulk history request takes runs: fewer round trips."""
    sync_run, plan, experiment_ids = sync_run_start(trigger=trigger)
    done = 0
    for batch in batches(plan, size=max(settings.MONITORING_SYNC_BATCH, mlflow_client.BULK_RUNS)):
        current = batch_sync_recorded(sync_run_id=sync_run.pk, batch=batch, experiment_ids=experiment_ids)
        done += len(batch)
        if progress:
            progress(done, len(plan), current)
    sync_run.refresh_from_db()
    return sync_run

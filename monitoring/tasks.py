"""Beat starts `monitoring.sync_all`; it fans out one `monitoring.sync_versions` per batch of governed versions
(`monitoring.sync_version`, one version, stays for messages queued before the batches).

At-least-once delivery (acks_late, reject_on_worker_lost in config/settings) is safe here: points are
unique by series, step and timestamp and the watermark moves with them, so a task run twice, or killed
and redelivered, stores nothing twice and loses nothing."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from lifecycle.mlflow_client import MlflowUnavailable
from monitoring import actions, health, kpi_feed, retraining, sync, value, webhooks
from monitoring.models import WebhookDelivery
from monitoring.retention import points_roll_up


@shared_task(name="monitoring.sync_all", bind=True, acks_late=True, time_limit=300, soft_time_limit=270)
def sync_all(self) -> dict:
    """Open a sync run and send one task per governed version with something new, on the queue this task
    came from."""
    sync_run, plan, experiment_ids = sync.sync_run_start(trigger="schedule")
    queue = (self.request.delivery_info or {}).get("routing_key") or None
    for batch in sync.batches(plan):
        # JSON keys are strings: the batch travels as pairs.
        sync_versions.apply_async((sync_run.pk, list(batch.items()), experiment_ids), queue=queue)
    return {"sync_run": sync_run.pk, "versions": len(plan), "status": sync_run.status}


@shared_task(
    name="monitoring.sync_versions",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=25 * 60,
    soft_time_limit=24 * 60,
    dont_autoretry_for=(MlflowUnavailable,),  # recorded on the sync run; the next run resumes
)
def sync_versions(sync_run_id: int, batch: list, experiment_ids: list[str]) -> dict:
    """Sync a batch of versions (their histories read in bulk) from their watermarks; each outcome goes on
    the sync run."""
    sync_run = sync.batch_sync_recorded(
        sync_run_id=sync_run_id, batch={int(pk): runs for pk, runs in batch}, experiment_ids=experiment_ids
    )
    return {"sync_run": sync_run_id, "versions": len(batch), "status": sync_run.status}


@shared_task(
    name="monitoring.sync_version",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=25 * 60,
    soft_time_limit=24 * 60,
    dont_autoretry_for=(MlflowUnavailable,),  # recorded on the sync run; the next run resumes
)
def sync_version(sync_run_id: int, version_id: int, experiment_ids: list[str], runs: list[dict] | None = None) -> dict:
    """Sync one version's runs and metrics from their watermarks; the outcome goes on the sync run."""
    sync_run = sync.version_sync_recorded(
        sync_run_id=sync_run_id, version_id=version_id, experiment_ids=experiment_ids, runs=runs
    )
    return {"sync_run": sync_run.pk, "version": version_id, "status": sync_run.status}


@shared_task(name="monitoring.roll_up_points", acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def roll_up_points() -> dict:
    """Roll raw points older than MONITORING_RAW_RETENTION_DAYS into daily aggregates."""
    return points_roll_up()


@shared_task(name="monitoring.kpis_feed", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def kpis_feed() -> dict:
    """Write the daily measurements of the KPIs bound to a metric (sent when a sync run finishes)."""
    return kpi_feed.kpis_feed()


@shared_task(name="monitoring.values_realise", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def values_realise(since: str | None = None) -> dict:
    """Realise the value contracts of the use cases whose production versions were synced since `since` (ISO
    date-time; sent when a sync run finishes)."""
    return value.values_realise(since=parse_datetime(since) if since else None)


@shared_task(name="monitoring.health_check_all", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def health_check_all() -> dict:
    """Recompute the health of every production version (status changes go to the audit trail)."""
    return health.health_check_all()


@shared_task(name="monitoring.retraining_schedules_run", acks_late=True, time_limit=10 * 60, soft_time_limit=9 * 60)
def retraining_schedules_run() -> dict:
    """Open the scheduled retraining requests that are due; a second run the same day opens nothing."""
    return retraining.retraining_schedules_run()


@shared_task(name="monitoring.webhook_deliver", acks_late=True, time_limit=60, soft_time_limit=50)
def webhook_deliver(delivery_id: int) -> bool | None:
    """One attempt at a webhook delivery; a failure sends the next attempt after an exponential backoff, up to
    WEBHOOK_MAX_ATTEMPTS in all (each attempt is counted in the delivery before it is made)."""
    outcome = webhooks.deliver(delivery_id)
    if outcome is False:
        attempts = WebhookDelivery.objects.values_list("attempts", flat=True).get(pk=delivery_id)
        webhook_deliver.apply_async((delivery_id,), countdown=webhooks.backoff(attempts))
    return outcome


@shared_task(name="monitoring.action_proposal_execute", acks_late=True, time_limit=120, soft_time_limit=100)
def action_proposal_execute(proposal_id: int) -> str | None:
    """Carry out an automatic suspension an alert proposed (sent once the sync that opened the alert commits);
    run twice, the second run finds it decided and does nothing."""
    proposal = actions.action_proposal_execute(proposal_id=proposal_id)
    return proposal.status if proposal is not None else None

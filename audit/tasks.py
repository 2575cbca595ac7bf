import logging

from celery import shared_task

from audit import anchors, retention, services

logger = logging.getLogger("lodestar.audit")


@shared_task(name="audit.verify_chain", time_limit=3600, soft_time_limit=3500)
def verify_chain() -> dict:
    """Daily walk of the hash chain and its external checkpoints; a break is logged as critical and
    written to the trail itself."""
    report = services.verify_chain()
    problem = report.problem
    if report.ok:
        _, problem = anchors.verify_checkpoints()
    if problem:
        logger.critical("Audit trail broken: %s", problem)
        services.record(actor=None, action="audit.chain_broken", reason=problem)
    return {**report.as_dict(), "ok": not problem, "problem": problem}


@shared_task(name="audit.write_checkpoint", time_limit=120, soft_time_limit=100)
def write_checkpoint() -> dict:
    """Every few minutes: the chain's head, signed, appended outside the database."""
    checkpoint = anchors.write_checkpoint()
    return {"seq": checkpoint.seq, "head": checkpoint.head} if checkpoint else {}


@shared_task(name="audit.purge_expired", time_limit=3600, soft_time_limit=3500)
def purge_expired() -> dict:
    """Daily: delete operational logs past the retention policy that no legal hold covers."""
    run = retention.purge_expired(actor=None)
    return {"run": run.pk, "status": run.status, "deleted": run.deleted, "held": run.held}

from celery import shared_task

from audit import anchors, retention, verification


@shared_task(name="audit.verify_chain", time_limit=3600, soft_time_limit=3500)
def verify_chain() -> dict:
    """Daily walk of the hash chain and its external checkpoints, recorded in the trail; a break is logged as
    critical and platform admins are notified."""
    return verification.audit_verify(actor=None).as_dict()


@shared_task(name="audit.write_checkpoint", time_limit=120, soft_time_limit=100)
def write_checkpoint() -> dict:
    """Every few minutes: the chain's head, signed, appended outside the database."""
    checkpoint = anchors.write_checkpoint()
    return {"seq": checkpoint.seq, "head": checkpoint.head} if checkpoint else {}


@shared_task(name="audit.check_checkpoints", time_limit=120, soft_time_limit=100)
def check_checkpoints() -> dict:
    """Every quarter hour: are events waiting too long for an external checkpoint? Platform admins are told once."""
    status = verification.checkpoints_check_fresh()
    return {"stale": status.stale, "last_checkpoint": status.last_seq, "problem": status.problem}


@shared_task(name="audit.purge_expired", time_limit=3600, soft_time_limit=3500)
def purge_expired() -> dict:
    """Daily: delete operational logs past the retention policy that no legal hold covers."""
    run = retention.purge_expired(actor=None)
    return {"run": run.pk, "status": run.status, "deleted": run.deleted, "held": run.held}

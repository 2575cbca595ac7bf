import logging

from celery import shared_task

from audit import services

logger = logging.getLogger("lodestar.audit")


@shared_task(name="audit.verify_chain", time_limit=3600, soft_time_limit=3500)
def verify_chain() -> dict:
    """Daily walk of the hash chain; a break is logged as critical and written to the trail itself."""
    report = services.verify_chain()
    if not report.ok:
        logger.critical("Audit trail broken: %s", report.problem)
        services.record(actor=None, action="audit.chain_broken", reason=report.problem)
    return report.as_dict()

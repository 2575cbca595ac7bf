"""Verifying the audit trail (on schedule or when a platform admin asks) and watching its external checkpoints.

Each verification is itself an audit event (`audit.verified` or `audit.chain_broken`), so the last result, who
asked for it (or the schedule) and which event failed are read back from the trail. Checkpoints are written every
few minutes by beat; when events wait for one longer than two periods, the anchoring has stopped (as it did when
beat could not send the task) and platform admins are told once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit import anchors, services
from audit.models import AuditEvent
from core.exceptions import NotAllowed

logger = logging.getLogger("lodestar.audit")

VERIFIED, BROKEN, STALE = "audit.verified", "audit.chain_broken", "audit.checkpoints_stale"
VERIFY_PERMISSION = "audit.verify_auditevent"
CHECKPOINT_TASK = "audit.write_checkpoint"
STALE_AFTER_PERIODS = 2
_DEFAULT_PERIOD = timedelta(minutes=5)


@dataclass(frozen=True)
class Verification:
    ok: bool
    chain: services.ChainReport
    checkpoints: int
    problem: str
    event: AuditEvent

    def as_dict(self) -> dict:
        return {**self.chain.as_dict(), "ok": self.ok, "checkpoints": self.checkpoints, "problem": self.problem}


def audit_verify(*, actor) -> Verification:
    """Walk the hash chain and check it against the external checkpoints, and record the result in the trail;
    `actor` None is the schedule. A break is logged as critical and platform admins are notified."""
    if actor is not None and not (getattr(actor, "is_authenticated", False) and actor.has_perm(VERIFY_PERMISSION)):
        raise NotAllowed("Only platform admins run the audit trail's verification.")
    report = services.verify_chain()
    checkpoints, problem = 0, report.problem
    if report.ok:
        checkpoints, problem = anchors.verify_checkpoints()
    with transaction.atomic():
        event = services.record(
            actor=actor,
            action=BROKEN if problem else VERIFIED,
            reason=problem,
            after={"ok": not problem, "events": report.checked, "checkpoints": checkpoints},
        )
    if problem:
        logger.critical("Audit trail broken: %s", problem)
        _notify_admins(
            subject="Security: the audit trail does not verify",
            body=f"The verification of the audit trail failed: {problem} Investigate before anything else changes.",
        )
    return Verification(not problem, report, checkpoints, problem, event)


def last_verification() -> AuditEvent | None:
    """The newest verification's event: when, by whom (`system` is the schedule), and its result."""
    return AuditEvent.objects.filter(action__in=(VERIFIED, BROKEN)).order_by("-seq").first()


# --- Checkpoint freshness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointStatus:
    last_seq: int | None
    last_at: datetime | None
    period: timedelta | None  # None: the schedule is missing or disabled
    stale: bool
    problem: str

    @property
    def period_minutes(self) -> int | None:
        return int(self.period.total_seconds() // 60) if self.period else None


def checkpoint_period() -> timedelta | None:
    """How often beat writes a checkpoint (the schedule an admin may have changed), None when it does not."""
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.filter(task=CHECKPOINT_TASK, enabled=True).select_related("interval").first()
    if task is None:
        return None
    if task.interval is None:
        return _DEFAULT_PERIOD  # a crontab or other schedule: judged by the default period
    return timedelta(**{task.interval.period: task.interval.every})


def checkpoint_status() -> CheckpointStatus:
    """The last external checkpoint and whether the anchoring is behind: an event has waited for a checkpoint
    more than two schedule periods. An idle trail is not stale (a checkpoint is written only when events came)."""
    last = anchors.last_checkpoint()
    last_seq = last.seq if last else None
    last_at = parse_datetime(last.at) if last else None
    period = checkpoint_period()
    waiting = AuditEvent.objects.filter(seq__gt=last_seq or 0).order_by("seq").values_list("seq", "at").first()
    if period is None:
        return CheckpointStatus(
            last_seq, last_at, None, True, "The checkpoint schedule is missing or disabled: nothing is anchored."
        )
    limit = STALE_AFTER_PERIODS * period
    if waiting is not None and timezone.now() - waiting[1] > limit:
        minutes = int(limit.total_seconds() // 60)
        return CheckpointStatus(
            last_seq,
            last_at,
            period,
            True,
            f"Event #{waiting[0]} has waited more than {minutes} minutes for an external checkpoint: check that "
            "Celery beat and a worker run and that the anchor directory is writable.",
        )
    return CheckpointStatus(last_seq, last_at, period, False, "")


def checkpoints_check_fresh() -> CheckpointStatus:
    """On schedule: when the anchoring is behind, record it and notify platform admins, once per stall."""
    status = checkpoint_status()
    if not status.stale:
        return status
    since = status.last_at or datetime.min.replace(tzinfo=timezone.get_current_timezone())
    if AuditEvent.objects.filter(action=STALE, at__gt=since).exists():
        return status  # this stall was reported already
    with transaction.atomic():
        services.record(actor=None, action=STALE, reason=status.problem, after={"last_checkpoint": status.last_seq})
        _notify_admins(subject="Audit trail: external checkpoints are behind", body=status.problem)
    logger.error("Audit checkpoints stale: %s", status.problem)
    return status


def _notify_admins(*, subject: str, body: str) -> None:
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from core.permissions import holders_of_perm
    from notifications.services import notify

    admins = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(pk__in=holders_of_perm(VERIFY_PERMISSION).values("pk")))
    )
    notify(recipients=admins, subject=subject, body=body, url="/audit/", category="security", about=None)

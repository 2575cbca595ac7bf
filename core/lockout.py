"""Account lockout after repeated failed sign-ins, computed from the audit trail itself.

The failures are already recorded (tamper-evident) for the security team, so they are the
single source of truth: no second counter that could drift from what the trail says.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from audit import services as audit
from audit.models import AuditEvent

_RESET_ACTIONS = ("auth.login", "auth.unlocked")


@dataclass(frozen=True)
class LockState:
    locked: bool
    until: datetime | None = None

    @property
    def minutes_left(self) -> int:
        if not self.until:
            return 0
        return max(1, round((self.until - timezone.now()).total_seconds() / 60))


def lock_state(username: str) -> LockState:
    """Locked when THRESHOLD failures fell within WINDOW, since the last sign-in or unlock."""
    threshold = settings.LOGIN_LOCKOUT_THRESHOLD
    window = timedelta(seconds=settings.LOGIN_LOCKOUT_WINDOW)
    duration = timedelta(seconds=settings.LOGIN_LOCKOUT_DURATION)
    now = timezone.now()
    last_reset = (
        AuditEvent.objects.filter(action__in=_RESET_ACTIONS, target_repr=username)
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    failures = AuditEvent.objects.filter(
        action="auth.login_failed", target_repr=username, at__gte=now - window - duration
    )
    if last_reset:
        failures = failures.filter(at__gt=last_reset)
    recent = list(failures.order_by("-seq").values_list("at", flat=True)[:threshold])
    if len(recent) < threshold or recent[0] - recent[-1] > window:
        return LockState(False)
    until = recent[0] + duration
    return LockState(until > now, until if until > now else None)


def account_unlock(*, actor, user, reason: str) -> None:
    """Lift a lockout before it expires (a platform admin, after checking who asked)."""
    audit.record(actor=actor, action="auth.unlocked", target=user, target_repr=user.get_username(), reason=reason)

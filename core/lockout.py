"""Account lockout after repeated failed sign-ins, computed from the audit trail itself.

The failures are already recorded (tamper-evident) for the security team, so they are the
single source of truth: no second counter that could drift from what the trail says.
A failed re-authentication when signing counts twice: as a failed sign-in, and towards its own
lower threshold (an electronic signature is worth more than a session; 21 CFR Part 11 §11.300(d)).
When an account locks, the security contacts and the account holder are told at once.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from audit import services as audit
from audit.models import AuditEvent

_RESET_ACTIONS = ("auth.login", "auth.unlocked")
LOGIN_FAILED = "auth.login_failed"
SIGN_REAUTH_FAILED = "auth.sign_reauth_failed"
ACCOUNT_LOCKED = "auth.account_locked"


@dataclass(frozen=True)
class LockState:
    locked: bool
    until: datetime | None = None

    @property
    def minutes_left(self) -> int:
        if not self.until:
            return 0
        return max(1, round((self.until - timezone.now()).total_seconds() / 60))


def _thresholds() -> dict[str, int]:
    return {LOGIN_FAILED: settings.LOGIN_LOCKOUT_THRESHOLD, SIGN_REAUTH_FAILED: settings.SIGN_REAUTH_LOCKOUT_THRESHOLD}


def lock_state(username: str) -> LockState:
    """Locked when THRESHOLD failures of one kind fell within WINDOW, since the last sign-in or unlock."""
    window = timedelta(seconds=settings.LOGIN_LOCKOUT_WINDOW)
    duration = timedelta(seconds=settings.LOGIN_LOCKOUT_DURATION)
    now = timezone.now()
    thresholds = _thresholds()
    failures = _since_reset(username, thresholds, now - window - duration)
    recent = list(failures.order_by("-seq").values_list("action", "at")[: max(thresholds.values()) * len(thresholds)])
    until = None
    for action, threshold in thresholds.items():
        times = [at for kind, at in recent if kind == action][:threshold]
        if len(times) == threshold and times[0] - times[-1] <= window:
            until = max(until or times[0] + duration, times[0] + duration)
    if until is None or until <= now:
        return LockState(False)
    return LockState(True, until)


def _since_reset(username: str, actions, horizon: datetime):
    """Events of these kinds about the account after `horizon` and after its last sign-in or unlock."""
    events = AuditEvent.objects.filter(action__in=actions, target_repr=username, at__gte=horizon)
    last_reset = (
        AuditEvent.objects.filter(action__in=_RESET_ACTIONS, target_repr=username)
        .order_by("-seq")
        .values_list("at", flat=True)
        .first()
    )
    return events.filter(at__gt=last_reset) if last_reset else events


def failure_recorded(username: str) -> None:
    """After a failure was audited: when it locked the account, raise the security event once per lock
    and tell the security contacts and the holder."""
    state = lock_state(username)
    if not state.locked:
        return
    horizon = timezone.now() - timedelta(seconds=settings.LOGIN_LOCKOUT_WINDOW + settings.LOGIN_LOCKOUT_DURATION)
    if _since_reset(username, [ACCOUNT_LOCKED], horizon).exists():
        return  # this lock was reported already
    user = get_user_model().objects.filter(username=username).first()
    audit.record(
        actor=None,
        action=ACCOUNT_LOCKED,
        target=user,
        target_repr=username,
        reason="Repeated failed sign-ins or signing re-authentications.",
        after={"locked_until": state.until.isoformat()},
    )
    from notifications.services import notify

    notify(
        recipients=_security_contacts(),
        subject=f"Security: account {username} locked after repeated failed attempts",
        body=f"The account {username} is locked until {state.until:%Y-%m-%d %H:%M} UTC after repeated failed "
        "sign-ins or signing re-authentications. Check with its holder before unlocking it.",
        url="/audit/?action=" + ACCOUNT_LOCKED,
        category="security",
        about=None,  # names an account, no record
    )
    if user is not None:
        from core.tokens import revoke_tokens

        # A locked account's API tokens and calendar link stop too: a stolen token must not outlive the lock.
        revoke_tokens(user, "account locked after repeated failed attempts")
        notify(
            recipients=[user],
            subject="Your Lodestar account is locked",
            body="Your account was locked after repeated failed password attempts. If this was not you, tell "
            "your security team at once.",
            category="security",
            about=None,
        )


def _security_contacts():
    from core.permissions import holders_of_perm

    User = get_user_model()
    return User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(pk__in=holders_of_perm("auth.change_user").values("pk"))
    )


def account_unlock(*, actor, user, reason: str) -> None:
    """Lift a lockout before it expires (a platform admin, after checking who asked)."""
    audit.record(actor=actor, action="auth.unlocked", target=user, target_repr=user.get_username(), reason=reason)

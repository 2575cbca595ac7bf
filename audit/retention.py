"""Record retention: how long records are kept, legal holds, and the purge of expired operational logs.

Governed documentation (use cases, models, versions, reviews, sign-offs, assessments, transitions,
decommission plans, evidence, audit events) is never purged: the AI Act keeps it 10 years (Art. 18) and the
database refuses its deletion. Only operational logs that other apps register here (read notifications,
finished webhook deliveries, MLflow sync runs, expired sessions) are deleted once older than the log
retention (at least 6 months, Art. 19 and 26(6)), and never while a legal hold covers them.

Apps above this one fill two registries in their AppConfig.ready(): what may be purged, and what a legal hold
may name (a use case, a model), so audit never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.utils import timezone

from audit import services as audit
from audit.models import LegalHold, PurgeRun
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text

# The floors a policy may lengthen, never shorten: 10 years for documentation (AI Act Art. 18(1), counting
# the leap days) and 6 months at their longest for automatically generated logs (Art. 19(1), 26(6)).
DOCUMENTATION_FLOOR_DAYS = 3653
LOG_FLOOR_DAYS = 184
# Serialises placing a hold with each purge batch, so a batch never deletes what a hold placed meanwhile covers.
_HOLD_LOCK_KEY = 0x10DE57A3
BATCH = 2000


# --- Policy -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionPolicy:
    documentation_days: int
    log_days: int

    def as_dict(self) -> dict:
        return {"documentation_days": self.documentation_days, "log_days": self.log_days}


def retention_policy() -> RetentionPolicy:
    """The policy in the settings, refused with the setting named when it is shorter than the law's floor."""
    policy = RetentionPolicy(
        documentation_days=getattr(settings, "RETENTION_DOCUMENTATION_DAYS", DOCUMENTATION_FLOOR_DAYS),
        log_days=getattr(settings, "RETENTION_LOG_DAYS", LOG_FLOOR_DAYS),
    )
    problems = []
    if policy.documentation_days < DOCUMENTATION_FLOOR_DAYS:
        problems.append(
            f"RETENTION_DOCUMENTATION_DAYS is {policy.documentation_days}, below the floor of "
            f"{DOCUMENTATION_FLOOR_DAYS} days (10 years, AI Act Art. 18)"
        )
    if policy.log_days < LOG_FLOOR_DAYS:
        problems.append(
            f"RETENTION_LOG_DAYS is {policy.log_days}, below the floor of {LOG_FLOOR_DAYS} days "
            "(6 months, AI Act Art. 19)"
        )
    if problems:
        raise ImproperlyConfigured("; ".join(problems) + ". A retention policy may lengthen these, never shorten them.")
    return policy


# --- Registries ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holds:
    """The active legal holds, as the purgeable kinds need them."""

    everything: bool = False
    use_case_ids: frozenset[int] = field(default_factory=frozenset)
    model_ids: frozenset[int] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return self.everything or bool(self.use_case_ids or self.model_ids)


@dataclass(frozen=True)
class Purgeable:
    kind: str
    label: str
    # The rows older than the cut-off that may go (never governed documentation).
    expired: Callable[[datetime], models.QuerySet]
    # Of those, the rows an active hold covers; None: no hold on a use case or model can cover this kind.
    covered: Callable[[models.QuerySet, Holds], models.QuerySet] | None = None


_PURGEABLES: dict[str, Purgeable] = {}
_HOLD_TARGETS: dict[str, type[models.Model]] = {}


def register_purgeable(
    kind: str,
    *,
    label: str,
    expired: Callable[[datetime], models.QuerySet],
    covered: Callable[[models.QuerySet, Holds], models.QuerySet] | None = None,
) -> None:
    _PURGEABLES[kind] = Purgeable(kind, label, expired, covered)


def purgeables() -> list[Purgeable]:
    return list(_PURGEABLES.values())


def register_hold_target(scope: str, model: type[models.Model]) -> None:
    """portfolio registers the use case and lifecycle the model: what a hold may name."""
    _HOLD_TARGETS[scope] = model


def hold_targets() -> dict[str, type[models.Model]]:
    return dict(_HOLD_TARGETS)


def _lock_holds() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_HOLD_LOCK_KEY])
    # SQLite: transactions start IMMEDIATE (settings), so writers are already serialised.


def active_holds() -> Holds:
    rows = LegalHold.objects.filter(released_at__isnull=True).values_list("scope", "target_id")
    by_scope: dict[str, set[int]] = {}
    for scope, target_id in rows:
        by_scope.setdefault(scope, set()).add(target_id)
    return Holds(
        everything=LegalHold.Scope.ALL in by_scope,
        use_case_ids=frozenset(by_scope.get(LegalHold.Scope.USE_CASE, ())),
        model_ids=frozenset(by_scope.get(LegalHold.Scope.MODEL, ())),
    )


# --- Legal holds --------------------------------------------------------------------------------------------


def _require_manager(actor) -> None:
    if not actor.has_perm("audit.manage_legalhold"):
        raise NotAllowed("You may not place or release legal holds: that needs the legal-hold permission.")


@transaction.atomic
def legal_hold_place(*, actor, scope: str, reason: str, target_id: int | None = None) -> LegalHold:
    """Place a hold on a use case, a model or everything: the purge keeps what it covers until released."""
    _require_manager(actor)
    if scope not in LegalHold.Scope.values:
        raise ApplicationError(
            f"scope: use one of {', '.join(LegalHold.Scope.values)}.", details={"scope": ["Unknown scope."]}
        )
    reason = require_text(reason, field="reason", hint="say which matter, order or inquiry requires keeping them")
    target = None
    if scope == LegalHold.Scope.ALL:
        if target_id is not None:
            raise ApplicationError(
                "target_id: a hold on everything names no target.", details={"target_id": ["Omit it."]}
            )
    else:
        label = LegalHold.Scope(scope).label.removeprefix("A ").lower()
        if target_id is None:
            raise ApplicationError(f"target_id: name the {label} to hold.", details={"target_id": ["Required."]})
        model = _HOLD_TARGETS[scope]
        target = model.objects.restrict(actor, "view").filter(pk=target_id).first()
        if target is None:
            raise ApplicationError(
                f"target_id: there is no {label} with id {target_id} that you may see.",
                details={"target_id": ["Not found."]},
            )
    _lock_holds()
    existing = LegalHold.objects.filter(scope=scope, target_id=target_id, released_at__isnull=True).first()
    if existing is not None:
        raise Conflict(f"{existing} is already active (hold #{existing.pk}, placed {existing.placed_at:%Y-%m-%d}).")
    hold = LegalHold.objects.create(
        scope=scope,
        target_id=target_id,
        target_repr=str(target)[:300] if target is not None else "",
        reason=reason,
        placed_by=actor,
        placed_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="legal_hold.placed",
        target=hold,
        after={"scope": scope, "target_id": target_id, "target": hold.target_repr},
        reason=reason,
        business_unit_id=audit.business_unit_of(target),
    )
    return hold


@transaction.atomic
def legal_hold_release(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    """Release a hold: from the next run on, the purge deletes what only it kept."""
    _require_manager(actor)
    reason = require_text(reason, field="reason", hint="say why the records need no longer be kept")
    _lock_holds()
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise Conflict(f"{hold} was already released on {hold.released_at:%Y-%m-%d}.")
    hold.released_by, hold.released_at, hold.release_reason = actor, timezone.now(), reason
    hold.save(update_fields=["released_by", "released_at", "release_reason"])
    audit.record(
        actor=actor,
        action="legal_hold.released",
        target=hold,
        before={"active": True},
        after={"active": False},
        reason=reason,
    )
    return hold


# --- The purge ----------------------------------------------------------------------------------------------


class _HeldEverything(Exception):
    """A hold on everything was placed while the purge ran."""


def _purge_kind(purgeable: Purgeable, cutoff: datetime, *, dry_run: bool) -> tuple[int, int]:
    """(deleted, held) for one kind, in batches: each batch re-reads the holds under the hold lock."""
    deleted, held = 0, None
    while True:
        with transaction.atomic():
            _lock_holds()
            holds = active_holds()
            if holds.everything:
                raise _HeldEverything
            expired = purgeable.expired(cutoff)
            covered = purgeable.covered(expired, holds) if purgeable.covered and holds else expired.none()
            if held is None:
                held = covered.count()
            candidates = expired.exclude(pk__in=covered.values("pk"))
            if dry_run:
                return candidates.count(), held
            pks = list(candidates.order_by().values_list("pk", flat=True)[:BATCH])
            if not pks:
                return deleted, held
            candidates.model.objects.filter(pk__in=pks).delete()
            deleted += len(pks)


def purge_expired(*, actor=None, dry_run: bool = False) -> PurgeRun:
    """Delete the registered operational logs older than the log retention that no legal hold covers, and
    record the run (a dry run counts without deleting). A hold on everything stops the purge."""
    policy = retention_policy()
    started = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    run = PurgeRun.objects.create(started_at=started, actor=user, dry_run=dry_run, policy=policy.as_dict())
    cutoff = started - timedelta(days=policy.log_days)
    try:
        for purgeable in purgeables():
            run.deleted[purgeable.kind], run.held[purgeable.kind] = _purge_kind(purgeable, cutoff, dry_run=dry_run)
        run.status = PurgeRun.Status.COMPLETED
    except _HeldEverything:
        run.status = PurgeRun.Status.HELD
    except Exception as exc:
        run.status, run.error = PurgeRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
        _finish(run, actor=user)
        raise
    return _finish(run, actor=user)


@transaction.atomic
def _finish(run: PurgeRun, *, actor) -> PurgeRun:
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at", "status", "deleted", "held", "error"])
    action = "retention.purge_previewed" if run.dry_run else "retention.purged"
    audit.record(
        actor=actor,
        action=action,
        target=run,
        after={"status": run.status, "deleted": run.deleted, "held": run.held, "policy": run.policy},
        reason=run.error,
    )
    return run

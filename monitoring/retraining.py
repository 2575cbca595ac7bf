"""Retraining requests: opened by a person, by an alert whose rule says "open a retraining request", or by a
model's retraining schedule; started, answered by a new version of the model, or declined with a reason.
Who acts: data scientists who own the model, and platform admins (who manage every unit)."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import can, manages_everything, require_model_perm
from monitoring import webhooks
from monitoring.choices import OPEN_RETRAINING_STATES, RetrainingStatus, RetrainingTrigger
from monitoring.models import Alert, RetrainingRequest, RetrainingSchedule
from notifications.services import notify


def _require_owner_or_admin(actor, model, action: str, what=RetrainingRequest) -> None:
    """The model permission of a data scientist or an admin, and the model itself: owned, or an admin's."""
    if not can(actor, "view", model):
        raise NotAllowed(f"You may not see model “{model}”.")
    require_model_perm(actor, what, action, business_unit=model.use_case.business_unit)
    if not manages_everything(actor) and not model.owners.filter(pk=actor.pk).exists():
        raise NotAllowed(f"Only the owners of {model} (or a platform admin) act on its retraining.")


def _tell_owners(request: RetrainingRequest, subject: str, body: str, *, also=()) -> None:
    notify(
        recipients=[*request.model.owners.all(), *also],
        subject=subject,
        body=body,
        url=reverse("monitoring:retraining_list") + f"?model={request.model_id}",
        category="retraining",
        about=request,
    )


def _open(*, actor, model, trigger: str, alert: Alert | None = None, notes: str = "") -> RetrainingRequest:
    request = RetrainingRequest.objects.create(
        model=model,
        trigger=trigger,
        alert=alert,
        notes=notes,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="retraining_request.opened",
        target=request,
        after={"model": model.name, "trigger": trigger, "alert": alert.pk if alert else None},
        reason=notes,
    )
    why = {
        RetrainingTrigger.ALERT: f"Alert #{alert.pk if alert else ''}: {alert.message if alert else ''}",
        RetrainingTrigger.SCHEDULE: "The model's retraining schedule is due.",
        RetrainingTrigger.MANUAL: f"Asked by {actor.get_username() if request.requested_by else 'someone'}.",
    }[trigger]
    _tell_owners(request, f"Retraining requested: {model}", f"{why}\n{notes}".strip())
    webhooks.retraining_requested(request)
    return request


# --- Opening ----------------------------------------------------------------------------------------------


@transaction.atomic
def retraining_request_open(*, actor, model, notes: str = "") -> RetrainingRequest:
    """A person asks for the model to be retrained."""
    _require_owner_or_admin(actor, model, "add")
    notes = require_text(notes, field="notes", hint="say why the model needs retraining.")
    return _open(actor=actor, model=model, trigger=RetrainingTrigger.MANUAL, notes=notes)


def retraining_request_for_alert(*, alert: Alert) -> RetrainingRequest:
    """Called when an alert of a rule whose action is "retrain" opens (inside the sync's transaction): one
    request per alert, however often the rule fires again on it."""
    existing = RetrainingRequest.objects.filter(alert=alert).first()
    if existing is not None:
        return existing
    model = alert.model_version.model
    return _open(actor=None, model=model, trigger=RetrainingTrigger.ALERT, alert=alert, notes=alert.message)


# --- Acting ------------------------------------------------------------------------------------------------


def _locked(request: RetrainingRequest, actor) -> RetrainingRequest:
    request = RetrainingRequest.objects.select_for_update().select_related("model__use_case").get(pk=request.pk)
    _require_owner_or_admin(actor, request.model, "change")
    return request


def _close_audit(actor, request, before: str, reason: str = "", **after) -> None:
    audit.record(
        actor=actor,
        action=f"retraining_request.{request.status}",
        target=request,
        before={"status": before},
        after={"status": request.status, **after},
        reason=reason,
    )


@transaction.atomic
def retraining_request_start(*, actor, request: RetrainingRequest, note: str = "") -> RetrainingRequest:
    """Someone is retraining the model now."""
    request = _locked(request, actor)
    if request.status != RetrainingStatus.OPEN:
        raise Conflict(f"The request is {request.get_status_display().lower()}; only an open request is started.")
    before = request.status
    request.status, request.started_at = RetrainingStatus.IN_PROGRESS, timezone.now()
    if note.strip():
        request.notes = "\n".join(filter(None, [request.notes, f"{actor.get_username()}: {note.strip()}"]))
    request.save(update_fields=["status", "started_at", "notes", "updated_at"])
    _close_audit(actor, request, before, note)
    return request


@transaction.atomic
def retraining_request_link_version(*, actor, request: RetrainingRequest, version) -> RetrainingRequest:
    """A new version of the model answers the request: it is done."""
    request = _locked(request, actor)
    if request.status not in OPEN_RETRAINING_STATES:
        raise Conflict(f"The request is {request.get_status_display().lower()} already.")
    if version.model_id != request.model_id:
        raise ApplicationError(
            f"version: {version} is not a version of {request.model}.", details={"version": ["Another model."]}
        )
    if version.created_at < request.created_at:
        raise ApplicationError(
            f"version: {version} was registered before the request; a retraining answers with a new version.",
            details={"version": ["Older than the request."]},
        )
    before = request.status
    request.status, request.answered_by, request.closed_at = RetrainingStatus.DONE, version, timezone.now()
    request.save(update_fields=["status", "answered_by", "closed_at", "updated_at"])
    _close_audit(actor, request, before, version=str(version))
    _tell_owners(
        request,
        f"Retraining done: {request.model}",
        f"{version} answers retraining request #{request.pk}.",
        also=[request.requested_by] if request.requested_by else (),
    )
    return request


@transaction.atomic
def retraining_request_decline(*, actor, request: RetrainingRequest, reason: str) -> RetrainingRequest:
    """No retraining: the reason is kept on the request and told to whoever asked."""
    request = _locked(request, actor)
    if request.status not in OPEN_RETRAINING_STATES:
        raise Conflict(f"The request is {request.get_status_display().lower()} already.")
    reason = require_text(reason, field="reason", hint="say why the model is not retrained.")
    before = request.status
    request.status, request.decline_reason, request.closed_at = RetrainingStatus.DECLINED, reason, timezone.now()
    request.save(update_fields=["status", "decline_reason", "closed_at", "updated_at"])
    _close_audit(actor, request, before, reason)
    _tell_owners(
        request,
        f"Retraining declined: {request.model}",
        f"Request #{request.pk} was declined by {actor.get_username()}: {reason}",
        also=[request.requested_by] if request.requested_by else (),
    )
    return request


def open_requests_for_new_version(version) -> list[RetrainingRequest]:
    """The open requests of the version's model that it could answer (for the page and the API)."""
    return list(
        RetrainingRequest.objects.filter(
            model_id=version.model_id, status__in=OPEN_RETRAINING_STATES, created_at__lte=version.created_at
        )
    )


def retraining_requests_tell_new_version(*, version, actor=None, from_stage: str = "", reason: str = "") -> None:
    """Listener of a version's registration (lifecycle.gates.on_enter): the owners hear which open requests the
    new version may answer; linking stays a person's decision."""
    waiting = open_requests_for_new_version(version)
    if not waiting:
        return
    notify(
        recipients=version.model.owners.all(),
        subject=f"{version} may answer {len(waiting)} retraining request(s)",
        body="Open retraining requests: "
        + ", ".join(f"#{r.pk} ({r.get_trigger_display().lower()})" for r in waiting)
        + ". Link the version to the ones it answers.",
        url=reverse("monitoring:retraining_list") + f"?model={version.model_id}",
        category="retraining",
        about=version,
    )


# --- Schedules ---------------------------------------------------------------------------------------------


@transaction.atomic
def retraining_schedule_set(*, actor, model, every_days: int, active: bool = True) -> RetrainingSchedule:
    """Retrain the model every N days, counted from today; changing it restarts the count."""
    _require_owner_or_admin(actor, model, "add", what=RetrainingSchedule)
    if not isinstance(every_days, int) or not 1 <= every_days <= 3650:
        raise ApplicationError("every_days: give 1 to 3650 days.", details={"every_days": ["Out of range."]})
    schedule = RetrainingSchedule.objects.select_for_update().filter(model=model).first()
    before = {"every_days": schedule.every_days, "active": schedule.active} if schedule else None
    schedule = schedule or RetrainingSchedule(model=model, created_by=actor)
    schedule.every_days, schedule.active = every_days, active
    schedule.next_due = timezone.localdate() + timedelta(days=every_days)
    schedule.save()
    audit.record(
        actor=actor,
        action="retraining_schedule.set",
        target=schedule,
        before=before,
        after={"every_days": every_days, "active": active, "next_due": schedule.next_due.isoformat()},
    )
    return schedule


def retraining_schedules_run(*, today: date | None = None) -> dict:
    """Open a scheduled request for each active schedule that is due, and move its next date on. Run twice,
    it opens nothing more: the schedule moved on, and one scheduled request at most waits per model."""
    today = today or timezone.localdate()
    opened = 0
    due = RetrainingSchedule.objects.filter(active=True, next_due__lte=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            schedule = (
                RetrainingSchedule.objects.select_for_update()
                .select_related("model")
                .filter(pk=pk, active=True, next_due__lte=today)
                .first()
            )
            if schedule is None:
                continue  # another worker ran it
            waiting = RetrainingRequest.objects.filter(
                model=schedule.model, trigger=RetrainingTrigger.SCHEDULE, status__in=OPEN_RETRAINING_STATES
            ).exists()
            if not waiting:
                try:
                    with transaction.atomic():
                        _open(actor=None, model=schedule.model, trigger=RetrainingTrigger.SCHEDULE)
                    opened += 1
                except IntegrityError:
                    pass  # a scheduled request opened meanwhile: the constraint keeps one
            schedule.next_due = today + timedelta(days=schedule.every_days)
            schedule.save(update_fields=["next_due", "updated_at"])
    return {"opened": opened}

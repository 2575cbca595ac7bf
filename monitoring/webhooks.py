"""Outgoing webhooks: alert opened and resolved, retraining requested, model suspended, sent as JSON (a Slack
`text` plus structured fields) to the endpoints platform admins subscribe, signed with HMAC-SHA256 of the body
(`X-Lodestar-Signature: sha256=<hex>`). Each delivery is recorded, sent by a Celery task after the change
commits, and retried with exponential backoff up to WEBHOOK_MAX_ATTEMPTS. Receivers are untrusted remotes:
http(s) only, no private or loopback address (unless settings.WEBHOOK_ALLOW_PRIVATE, checked again at each
send), a timeout, no redirect followed."""

import hashlib
import hmac
import ipaddress
import json
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, NotAllowed, require_text
from monitoring.models import WEBHOOK_MAX_ATTEMPTS, WebhookDelivery, WebhookEndpoint

EVENTS = ("alert.opened", "alert.resolved", "retraining.requested", "model.suspended")
SIGNATURE_HEADER = "X-Lodestar-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _require_manager(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("monitoring.manage_webhook"):
        raise NotAllowed("Only platform admins manage the outgoing webhooks.")


def url_problem(url: str) -> str:
    """Why Lodestar will not send to this URL ("" when it will)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "only http:// and https:// URLs with a host are allowed"
    if parts.username or parts.password:
        return "credentials in the URL are not allowed; use the secret"
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port or 443, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError):
        return f"the host {parts.hostname} does not resolve"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return f"{parts.hostname} is a private, loopback or reserved address ({ip})"
    return ""


@transaction.atomic
def webhook_endpoint_create(*, actor, name: str, url: str, events, secret: str, active: bool = True) -> WebhookEndpoint:
    _require_manager(actor)
    name = require_text(name, field="name", hint="name the receiver (e.g. “#ml-alerts on Slack”).")
    secret = require_text(secret, field="secret", hint="give a secret shared with the receiver.")
    url = (url or "").strip()
    problem = url_problem(url)
    if problem:
        raise ApplicationError(f"url: {problem}.", details={"url": [problem]})
    events = list(dict.fromkeys(events or []))
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        message = f"choose among {', '.join(EVENTS)}" + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        raise ApplicationError(f"events: {message}.", details={"events": [message]})
    endpoint = WebhookEndpoint.objects.create(
        name=name, url=url, events=events, secret=secret, active=active, created_by=actor
    )
    audit.record(
        actor=actor,
        action="webhook_endpoint.created",
        target=endpoint,
        after={"name": name, "url": url, "events": events, "active": active},
    )
    return endpoint


def webhook_endpoint_set_active(*, actor, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    _require_manager(actor)
    with transaction.atomic():
        before = endpoint.active
        endpoint.active = active
        endpoint.save(update_fields=["active", "updated_at"])
        audit.record(
            actor=actor,
            action="webhook_endpoint.changed",
            target=endpoint,
            before={"active": before},
            after={"active": active},
        )
    return endpoint


# --- Emitting and delivering -------------------------------------------------------------------------------


def emit(event: str, *, text: str, **fields) -> list[WebhookDelivery]:
    """Record a delivery of the event for every active endpoint subscribed to it, and send each once the
    surrounding transaction commits (so a rolled-back change tells no one)."""
    assert event in EVENTS, event
    payload = {"event": event, "text": text, "at": timezone.now().isoformat(), **fields}
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True) if event in e.events]
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=event, payload=payload) for e in endpoints]
    )
    if deliveries:
        from monitoring import tasks

        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: [tasks.webhook_deliver.delay(pk) for pk in ids], robust=True)
    return deliveries


def backoff(attempts: int) -> int:
    """Seconds to wait before the next try after `attempts` failed ones: base, 2×, 4×, 8×."""
    return settings.WEBHOOK_BACKOFF_SECONDS * 2 ** (attempts - 1)


def deliver(delivery_id: int) -> bool | None:
    """One attempt. True: delivered (or already); False: failed, try again; None: failed for good."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_id)
        if delivery.delivered_at is not None or delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
            return True if delivery.delivered_at else None
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    status, error = None, ""
    problem = url_problem(endpoint.url)  # again at send time: DNS may now point elsewhere
    if problem:
        error = f"Refused: {problem}."
    elif not endpoint.active:
        error = "The endpoint was deactivated."
    else:
        try:
            response = requests.post(
                endpoint.url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "Lodestar-Webhook/1",
                    "X-Lodestar-Event": delivery.event,
                    "X-Lodestar-Delivery": str(delivery.pk),
                    SIGNATURE_HEADER: sign(endpoint.secret, body),
                },
                timeout=(3.05, settings.WEBHOOK_TIMEOUT_SECONDS),
                allow_redirects=False,
            )
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}: {response.text[:300]}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
    delivered = not error
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        last_status=status, last_error=error, delivered_at=timezone.now() if delivered else None
    )
    if delivered:
        return True
    return False if delivery.attempts < WEBHOOK_MAX_ATTEMPTS else None


# --- The events ---------------------------------------------------------------------------------------------


def _version_fields(version) -> dict:
    return {
        "model": {"id": version.model_id, "name": version.model.name},
        "model_version": version.pk,
        "version": version.version,
    }


def alert_opened(alert) -> None:
    version = alert.model_version
    emit(
        "alert.opened",
        text=f"[{alert.get_severity_display()}] {alert.rule.name}, alert #{alert.pk} on {version}: {alert.message}",
        alert={
            "id": alert.pk,
            "rule": alert.rule.name,
            "severity": alert.severity,
            "status": alert.status,
            "metric": alert.series.metric.name,
            "value": alert.last_value,
            "action": alert.rule.action,
        },
        **_version_fields(version),
    )


def alert_resolved(alert) -> None:
    version = alert.model_version
    emit(
        "alert.resolved",
        text=f"Alert #{alert.pk} on {version} resolved ({alert.get_root_cause_display()}).",
        alert={
            "id": alert.pk,
            "rule": alert.rule.name,
            "severity": alert.severity,
            "status": alert.status,
            "root_cause": alert.root_cause,
        },
        **_version_fields(version),
    )


def retraining_requested(request) -> None:
    model = request.model
    emit(
        "retraining.requested",
        text=f"Retraining of {model} requested ({request.get_trigger_display()}): {request.notes}".strip(),
        retraining_request={
            "id": request.pk,
            "trigger": request.trigger,
            "alert": request.alert_id,
            "notes": request.notes,
        },
        model={"id": model.pk, "name": model.name, "mlflow_name": model.mlflow_name},
    )


def model_suspended(*, version, actor, from_stage: str, reason: str) -> None:
    """lifecycle.gates.on_enter(SUSPENDED): the serving platform learns it should stop serving the version."""
    emit(
        "model.suspended",
        text=f"{version} is suspended: {reason}".strip(),
        from_stage=from_stage,
        reason=reason,
        mlflow_name=version.model.mlflow_name,
        mlflow_version=version.mlflow_version,
        **_version_fields(version),
    )

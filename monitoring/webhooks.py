"""Outgoing webhooks: alert opened and resolved, retraining requested, model suspended, sent as JSON (a Slack
`text` plus structured fields) to the endpoints platform admins subscribe, signed with HMAC-SHA256 of the body
(`X-Lodestar-Signature: sha256=<hex>`). Each delivery is recorded, sent by a Celery task after the change
commits, and retried with exponential backoff up to WEBHOOK_MAX_ATTEMPTS. Receivers are untrusted remotes:
http(s) only, no private or loopback address, IPv4 embedded in IPv6 included (unless
settings.WEBHOOK_ALLOW_PRIVATE, checked again at each send, on the address then connected to), a timeout, no
redirect followed. With settings.WEBHOOK_PROXY (env LODESTAR_WEBHOOK_PROXY) deliveries leave through that HTTP
proxy, tunnelled with CONNECT to the address Lodestar checked, never to the name (the proxy resolves nothing)."""

import base64
import hashlib
import hmac
import ipaddress
import json
import socket
from urllib.parse import unquote, urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

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


# IPv6 forms that carry an IPv4 address: a packet to them reaches that IPv4 host (through a NAT64 or 6to4
# gateway, or a stack that maps them), so the embedded address is what must be public.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address embeds (mapped, 6to4, NAT64, IPv4-compatible, Teredo), or None."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in network for network in _NAT64) or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _address_problem(host: str, ip) -> str:
    for candidate in (embedded_ipv4(ip), ip):  # the embedded address first: the message names what it reaches
        if candidate is not None and (not candidate.is_global or candidate.is_multicast):
            shown = f"{ip}, which carries {candidate}" if candidate is not ip else str(ip)
            return f"{host} is a private, loopback or reserved address ({shown})"
    return ""


def _url_parts(url: str):
    """(the URL's parts, its port, the problem with its form or "")."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, None, "not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return parts, port, "only http:// and https:// URLs with a host are allowed"
    if parts.username or parts.password:
        return parts, port, "credentials in the URL are not allowed; use the secret"
    return parts, port or (443 if parts.scheme == "https" else 80), ""


def resolve_checked(url: str) -> tuple[str | None, str]:
    """(the address to connect to, "") or (None, why Lodestar will not send there). The host is resolved once:
    every address it answers must be public (unless settings.WEBHOOK_ALLOW_PRIVATE), and the delivery then
    connects to the first of them, so a DNS answer that changes after the check (rebinding) is never used."""
    parts, port, problem = _url_parts(url)
    if problem:
        return None, problem
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    except (socket.gaierror, UnicodeError, ValueError):
        return None, f"the host {parts.hostname} does not resolve"
    if not addresses:
        return None, f"the host {parts.hostname} does not resolve"
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for ip in addresses:
            problem = _address_problem(parts.hostname, ip)
            if problem:
                return None, problem
    return str(addresses[0]), ""


def url_problem(url: str) -> str:
    """Why Lodestar will not send to this URL ("" when it will)."""
    _, _, problem = _url_parts(url)
    if problem or settings.WEBHOOK_ALLOW_PRIVATE:
        return problem
    return resolve_checked(url)[1]


def proxy_problem(proxy: str) -> str:
    """Why the configured webhook proxy cannot be used ("" when it can): an http:// URL with a host and port."""
    if not proxy:
        return ""
    try:
        parts = urlsplit(proxy)
        port = parts.port
    except ValueError:
        return "LODESTAR_WEBHOOK_PROXY is not a valid URL"
    if parts.scheme != "http" or not parts.hostname or not port:
        return "LODESTAR_WEBHOOK_PROXY must be http://[user:password@]host:port (the tunnel carries the TLS)"
    return ""


def _tunnel(connection, proxy: str, address: str) -> socket.socket:
    """A socket to the proxy, tunnelled with CONNECT to `address`: the checked IP, not the URL's name, so the
    proxy resolves nothing. TLS (server name and certificate checked on the URL's host) runs inside it."""
    parts = urlsplit(proxy)
    target = f"[{address}]:{connection.port}" if ":" in address else f"{address}:{connection.port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if parts.username:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        lines.append(f"Proxy-Authorization: Basic {base64.b64encode(credentials).decode()}")
    try:
        sock = socket.create_connection((parts.hostname, parts.port), connection.timeout)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer and len(answer) < 16384:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    except OSError as exc:
        raise NewConnectionError(connection, f"the webhook proxy {parts.hostname} is unreachable: {exc}") from exc
    status = answer.split(b"\r\n", 1)[0].decode("latin-1")
    if status.split(" ")[1:2] != ["200"]:
        sock.close()
        raise NewConnectionError(connection, f"the webhook proxy refused CONNECT {target}: {status or 'no answer'}")
    return sock


def _pinned_pool(pool_class, address: str, proxy: str = ""):
    """A urllib3 pool whose connections open their socket to `address` instead of resolving the host again
    (directly, or through a CONNECT tunnel of `proxy`); everything else (the Host header, TLS server name and
    certificate check) still uses the URL's host."""

    class PinnedConnection(pool_class.ConnectionCls):
        def _new_conn(self):
            if proxy:
                return _tunnel(self, proxy, address)
            name, self._dns_host = self._dns_host, address
            try:
                return super()._new_conn()
            finally:
                self._dns_host = name

    return type(f"Pinned{pool_class.__name__}", (pool_class,), {"ConnectionCls": PinnedConnection})


class PinnedAddressAdapter(HTTPAdapter):
    """Sends every request of a session to the one address that was checked (see resolve_checked), through the
    webhook proxy when one is configured."""

    def __init__(self, address: str, proxy: str = ""):
        self.address, self.proxy = address, proxy
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pinned_pool(HTTPConnectionPool, self.address, self.proxy),
            "https": _pinned_pool(HTTPSConnectionPool, self.address, self.proxy),
        }


def _pinned_session(address: str) -> requests.Session:
    session = requests.Session()
    # No proxy from the environment (HTTP_PROXY...): requests would hand the proxy the name to resolve again.
    # Only the explicit WEBHOOK_PROXY is used, and it is given the checked address (see _tunnel).
    session.trust_env = False
    adapter = PinnedAddressAdapter(address, settings.WEBHOOK_PROXY)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


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
    # Checked again at send time (DNS may now point elsewhere), and sent to the very address checked.
    address, problem = resolve_checked(endpoint.url)
    problem = problem or proxy_problem(settings.WEBHOOK_PROXY)
    if problem:
        error = f"Refused: {problem}."
    elif not endpoint.active:
        error = "The endpoint was deactivated."
    else:
        try:
            with _pinned_session(address) as session:
                response = session.post(
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

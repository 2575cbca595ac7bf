"""Webhook receivers cannot be internal hosts in disguise: IPv6 forms that carry an IPv4 address are judged by
that address, and a delivery connects to the address that was checked, not to what DNS answers a moment later.

The tests' settings allow private receivers (they listen on 127.0.0.1); these turn the filter on where it matters.
"""

import errno
import socket

import pytest

from core.exceptions import ApplicationError
from monitoring import webhooks
from monitoring.models import WebhookDelivery
from tests.monitoring.test_webhooks import SECRET, Receiver

NAME = "hooks.example.test"
PUBLIC = "93.184.216.34"


@pytest.fixture
def admin(make_user):
    return make_user("admin", "platform_admin")


@pytest.mark.parametrize(
    "url",
    [
        "http://[64:ff9b::a00:1]/x",  # NAT64 of 10.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest",  # NAT64 of the cloud metadata address 169.254.169.254
        "http://[64:ff9b:1::7f00:1]/x",  # local-use NAT64 of 127.0.0.1
        "http://[2002:a00:1::1]/x",  # 6to4 of 10.0.0.1
        "http://[2002:7f00:1::1]/x",  # 6to4 of 127.0.0.1
        "http://[::10.0.0.1]/x",  # IPv4-compatible
        "http://[::127.0.0.1]/x",
        "http://[::ffff:10.0.0.1]/x",  # IPv4-mapped
        "http://[::ffff:169.254.169.254]/x",
    ],
)
def test_ipv6_forms_of_internal_ipv4_addresses_are_refused(admin, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_endpoint_create(actor=admin, name="hook", url=url, events=["alert.opened"], secret=SECRET)
    assert "private, loopback or reserved" in refused.value.message and "carries" in refused.value.message


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"])
def test_ipv6_forms_of_public_ipv4_addresses_pass(settings, address):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert webhooks.url_problem(f"https://[{address}]/hook") == ""


@pytest.fixture
def resolver(monkeypatch):
    return rebinding_resolver(monkeypatch)


def rebinding_resolver(monkeypatch):
    """A DNS whose answers for NAME change from one lookup to the next (rebinding), which a real resolver will
    not do on demand. Lookups of anything else go to the real resolver, except PUBLIC, which is only recorded
    (no test connects to the internet): it fails as an unreachable network would."""
    real = socket.getaddrinfo
    asked: list[str] = []
    answers: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host == NAME:
            address = answers.pop(0) if len(answers) > 1 else answers[0]
            return real(address, port, *args, **kwargs)
        if host == PUBLIC:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, asked


def _delivery(admin, url, django_capture_on_commit_callbacks) -> WebhookDelivery:
    webhooks.webhook_endpoint_create(actor=admin, name="hook", url=url, events=["alert.opened"], secret=SECRET)
    with django_capture_on_commit_callbacks(execute=False):  # delivered by hand below, once
        (delivery,) = webhooks.emit("alert.opened", text="drift")
    return delivery


def test_a_name_rebound_to_a_private_address_after_the_check_is_not_connected_to(
    admin, settings, resolver, django_capture_on_commit_callbacks
):
    answers, asked = resolver
    hook = Receiver()
    try:
        port = hook.server.server_address[1]
        settings.WEBHOOK_ALLOW_PRIVATE = True  # the endpoint is registered while the name still looks public
        delivery = _delivery(admin, f"http://{NAME}:{port}/hook", django_capture_on_commit_callbacks)
        settings.WEBHOOK_ALLOW_PRIVATE = False
        answers[:] = [PUBLIC, "127.0.0.1"]  # public when checked, the receiver on loopback right after
        asked.clear()
        assert webhooks.deliver(delivery.pk) is False
    finally:
        hook.close()
    delivery.refresh_from_db()
    assert hook.requests == [] and delivery.delivered_at is None
    # The name was looked up once, for the check; the connection went to the address that check approved.
    assert asked.count(NAME) == 1 and PUBLIC in asked[asked.index(NAME) + 1 :]
    assert "unreachable" in delivery.last_error


def test_a_delivery_reaches_the_checked_address_with_the_name_in_its_host_header(
    admin, resolver, django_capture_on_commit_callbacks
):
    answers, asked = resolver
    hook = Receiver()
    try:
        port = hook.server.server_address[1]
        delivery = _delivery(admin, f"http://{NAME}:{port}/hook", django_capture_on_commit_callbacks)
        answers[:] = ["127.0.0.1", "127.0.0.2"]  # a second lookup would lead nowhere (nothing listens there)
        asked.clear()
        assert webhooks.deliver(delivery.pk) is True
    finally:
        hook.close()
    assert asked.count(NAME) == 1 and len(hook.requests) == 1
    headers, _ = hook.requests[0]
    assert headers["Host"] == f"{NAME}:{port}"

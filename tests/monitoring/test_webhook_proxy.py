"""Webhook deliveries through an explicit outbound proxy (LODESTAR_WEBHOOK_PROXY): a real CONNECT proxy started by
the test records what it is asked. The tunnel goes to the address Lodestar resolved and checked, never to the name
(so the SSRF rules and the rebinding defence still hold); the Host header and TLS server name carry the name.
Without the setting nothing changes: no proxy is asked, not even one named in the environment."""

import json

import pytest

from monitoring import webhooks
from monitoring.models import WebhookDelivery
from tests.monitoring.test_webhook_addresses import NAME, PUBLIC, _delivery, rebinding_resolver
from tests.monitoring.test_webhooks import SECRET, Receiver
from tests.support.connect_proxy import ConnectProxy


@pytest.fixture
def admin(make_user):
    return make_user("admin", "platform_admin")


@pytest.fixture
def resolver(monkeypatch):
    return rebinding_resolver(monkeypatch)


@pytest.fixture
def proxy(settings):
    running = ConnectProxy()
    settings.WEBHOOK_PROXY = running.url
    yield running
    running.close()


@pytest.fixture
def hook():
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_a_delivery_tunnels_to_the_checked_address_with_the_name_in_its_host_header(
    admin, proxy, hook, resolver, django_capture_on_commit_callbacks
):
    answers, asked = resolver
    port = hook.server.server_address[1]
    delivery = _delivery(admin, f"http://{NAME}:{port}/hook", django_capture_on_commit_callbacks)
    answers[:] = ["127.0.0.1", "127.0.0.2"]  # a second lookup would lead nowhere
    asked.clear()
    assert webhooks.deliver(delivery.pk) is True
    assert proxy.connects == [f"127.0.0.1:{port}"] and proxy.refused == []
    assert asked.count(NAME) == 1  # resolved once, by Lodestar, for the check
    ((headers, body),) = hook.requests
    assert headers["Host"] == f"{NAME}:{port}"
    assert headers[webhooks.SIGNATURE_HEADER] == webhooks.sign(SECRET, body) and json.loads(body)["text"] == "drift"


def test_a_private_receiver_is_refused_before_the_proxy_is_asked(
    admin, proxy, hook, settings, django_capture_on_commit_callbacks
):
    delivery = _delivery(admin, hook.url, django_capture_on_commit_callbacks)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    assert webhooks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert proxy.connects == [] and hook.requests == [] and "private, loopback" in delivery.last_error


def test_a_name_rebound_after_the_check_is_not_what_the_proxy_is_asked_for(
    admin, proxy, hook, settings, resolver, django_capture_on_commit_callbacks
):
    answers, _ = resolver
    port = hook.server.server_address[1]
    delivery = _delivery(admin, f"http://{NAME}:{port}/hook", django_capture_on_commit_callbacks)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    answers[:] = [PUBLIC, "127.0.0.1"]  # public when checked, loopback right after
    assert webhooks.deliver(delivery.pk) is False
    assert proxy.connects == [f"{PUBLIC}:{port}"] and hook.requests == []


def test_tls_inside_the_tunnel_names_the_host_not_the_address(
    admin, proxy, hook, resolver, django_capture_on_commit_callbacks
):
    answers, _ = resolver
    port = hook.server.server_address[1]  # speaks plain HTTP: the handshake fails after the ClientHello
    delivery = _delivery(admin, f"https://{NAME}:{port}/hook", django_capture_on_commit_callbacks)
    answers[:] = ["127.0.0.1"]
    assert webhooks.deliver(delivery.pk) is False
    assert proxy.connects == [f"127.0.0.1:{port}"]
    assert NAME.encode() in proxy.first_bytes[0]  # the ClientHello's server name is the URL's host
    delivery.refresh_from_db()
    assert "SSL" in delivery.last_error and hook.requests == []


def test_proxy_credentials_go_in_proxy_authorization(admin, proxy, hook, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_PROXY = proxy.url.replace("http://", "http://relay:p%40ss@")
    delivery = _delivery(admin, hook.url, django_capture_on_commit_callbacks)
    assert webhooks.deliver(delivery.pk) is True
    assert proxy.authorizations == ["Basic cmVsYXk6cEBzcw=="]  # relay:p@ss


def test_a_proxy_that_refuses_or_a_malformed_setting_is_a_failed_delivery_in_words(
    admin, proxy, hook, settings, django_capture_on_commit_callbacks
):
    delivery = _delivery(admin, hook.url, django_capture_on_commit_callbacks)
    settings.WEBHOOK_PROXY = "socks5://127.0.0.1:1080"
    assert webhooks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert "LODESTAR_WEBHOOK_PROXY must be http://" in delivery.last_error and proxy.connects == []
    settings.WEBHOOK_PROXY = "http://127.0.0.1:9"  # nothing listens there
    assert webhooks.deliver(delivery.pk) is False
    delivery.refresh_from_db()
    assert "webhook proxy" in delivery.last_error and hook.requests == []


def test_without_the_setting_no_proxy_is_asked_even_one_in_the_environment(
    admin, hook, settings, monkeypatch, django_capture_on_commit_callbacks
):
    environment_proxy = ConnectProxy()
    try:
        monkeypatch.setenv("HTTP_PROXY", environment_proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", environment_proxy.url)
        settings.WEBHOOK_PROXY = ""
        delivery = _delivery(admin, hook.url, django_capture_on_commit_callbacks)
        assert webhooks.deliver(delivery.pk) is True
    finally:
        environment_proxy.close()
    assert environment_proxy.connects == [] and environment_proxy.refused == [] and len(hook.requests) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).delivered_at is not None

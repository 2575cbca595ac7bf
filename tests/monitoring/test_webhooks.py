"""Outgoing webhooks against a real local HTTP receiver: signed JSON (Slack-compatible), recorded deliveries,
retries with backoff up to 5 attempts, http(s) only, no private address unless allowed, admins only."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, NotAllowed
from lifecycle import services as lifecycle
from monitoring import retraining, services, webhooks
from monitoring.models import Alert, MetricDefinition, WebhookDelivery, WebhookEndpoint
from tests.monitoring.factories import series_of, store, version_of

SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """An HTTP server on 127.0.0.1 that answers `failures` errors (status `fail_status`) before a 200."""

    def __init__(self, failures=0, fail_status=500):
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                failing = len(receiver.requests) <= failures
                self.send_response(fail_status if failing else 200)
                if fail_status in (301, 302) and failing:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"no" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def people(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    admin = make_user("admin", "platform_admin")
    return pm, ds, admin


@pytest.fixture
def version(people, units):
    pm, ds, _ = people
    return version_of(pm=pm, ds=ds, unit=units["RETAIL"])


@pytest.fixture
def receiver():
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _endpoint(admin, url, events=webhooks.EVENTS, **fields):
    return webhooks.webhook_endpoint_create(
        actor=admin, name=fields.pop("name", "ML alerts"), url=url, events=list(events), secret=SECRET, **fields
    )


def _rule(ds, version):
    return services.alert_rule_create(
        actor=ds,
        name="PSI drift",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=version.model,
        condition="above",
        threshold=0.2,
    )


def _open_alert(ds, version, capture):
    _rule(ds, version)
    with capture(execute=True):
        store(series_of(version), [0.1, 0.5])
    return Alert.objects.get()


def test_a_receiver_failing_twice_gets_the_alert_on_the_third_attempt_signed(
    people, version, receiver, django_capture_on_commit_callbacks
):
    _, ds, admin = people
    hook = receiver(failures=2)
    endpoint = _endpoint(admin, hook.url)
    alert = _open_alert(ds, version, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event, delivery.attempts) == (endpoint, "alert.opened", 3)
    assert delivery.delivered_at is not None and delivery.last_status == 200 and delivery.last_error == ""
    assert len(hook.requests) == 3
    headers, body = hook.requests[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Lodestar-Signature"], expected)
    payload = json.loads(body)
    assert payload["event"] == "alert.opened" and str(alert.pk) in payload["text"] and "PSI drift" in payload["text"]
    assert payload["alert"]["id"] == alert.pk and payload["model_version"] == version.pk


def test_a_receiver_that_stays_down_is_tried_five_times_and_redirects_are_not_followed(
    people, version, receiver, django_capture_on_commit_callbacks
):
    _, ds, admin = people
    down = receiver(failures=99, fail_status=503)
    moved = receiver(failures=99, fail_status=302)
    _endpoint(admin, down.url, name="down")
    _endpoint(admin, moved.url, name="moved")
    _open_alert(ds, version, django_capture_on_commit_callbacks)
    for delivery in WebhookDelivery.objects.all():
        assert (delivery.attempts, delivery.delivered_at, delivery.state) == (5, None, "failed")
    assert WebhookDelivery.objects.get(endpoint__name="down").last_error.startswith("HTTP 503")
    assert WebhookDelivery.objects.get(endpoint__name="moved").last_status == 302
    assert (len(down.requests), len(moved.requests)) == (5, 5)


def test_backoff_doubles(settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    assert [webhooks.backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_each_event_reaches_only_the_active_endpoints_subscribed_to_it(
    people, version, receiver, django_capture_on_commit_callbacks
):
    _, ds, admin = people
    hook = receiver()
    _endpoint(admin, hook.url, events=["alert.resolved", "retraining.requested", "model.suspended"], name="all")
    _endpoint(admin, hook.url, events=["alert.resolved"], name="off", active=False)
    alert = _open_alert(ds, version, django_capture_on_commit_callbacks)  # alert.opened: nobody subscribed
    assert not WebhookDelivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_resolve(actor=ds, alert=alert, root_cause="data_issue", note="upstream fixed")
    with django_capture_on_commit_callbacks(execute=True):
        retraining.retraining_request_open(actor=ds, model=version.model, notes="drifted")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.model_version_transition(actor=ds, version=version, to_stage="suspended", reason="bad inputs")
    events = [json.loads(body)["event"] for _, body in hook.requests]
    assert events == ["alert.resolved", "retraining.requested", "model.suspended"]
    assert set(WebhookDelivery.objects.values_list("endpoint__name", flat=True)) == {"all"}
    suspended = json.loads(hook.requests[-1][1])
    assert suspended["model_version"] == version.pk and "bad inputs" in suspended["text"]


def test_a_rolled_back_change_sends_nothing(people, version, receiver, django_capture_on_commit_callbacks):
    _, ds, admin = people
    hook = receiver()
    _endpoint(admin, hook.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retraining.retraining_request_open(actor=ds, model=version.model, notes="drifted")
    assert len(callbacks) == 1 and hook.requests == []  # sent only once the change commits


# --- Managing endpoints -------------------------------------------------------------------------------------


def test_only_platform_admins_add_endpoints_audited(people):
    pm, ds, admin = people
    for who in (pm, ds):
        with pytest.raises(NotAllowed):
            _endpoint(who, "https://hooks.example.com/x")
    endpoint = _endpoint(admin, "https://hooks.example.com/x")
    assert AuditEvent.objects.filter(action="webhook_endpoint.created", target_id=str(endpoint.pk)).exists()


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("ftp://hooks.example.com/x", ["alert.opened"], "url"),
        ("file:///etc/passwd", ["alert.opened"], "url"),
        ("https://user:pw@hooks.example.com/x", ["alert.opened"], "url"),
        ("https://hooks.example.com/x", [], "events"),
        ("https://hooks.example.com/x", ["alert.exploded"], "events"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_field(people, url, events, field):
    *_, admin = people
    with pytest.raises(ApplicationError) as refused:
        _endpoint(admin, url, events=events)
    assert field in refused.value.details
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
    ],
)
def test_private_and_loopback_addresses_are_refused_unless_allowed(people, settings, url):
    *_, admin = people
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ApplicationError) as refused:
        _endpoint(admin, url)
    assert "private, loopback or reserved" in refused.value.message
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert _endpoint(admin, url).url == url


def test_a_receiver_that_became_private_is_refused_at_send_time(
    people, version, receiver, settings, django_capture_on_commit_callbacks
):
    _, ds, admin = people
    hook = receiver()
    _endpoint(admin, hook.url)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    _open_alert(ds, version, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert hook.requests == [] and delivery.delivered_at is None and "Refused" in delivery.last_error


def test_the_page_lists_endpoints_and_deliveries_and_adds_one(
    client, people, version, receiver, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    pm, ds, admin = people
    hook = receiver()
    for n in range(3):
        _endpoint(admin, hook.url, name=f"hook {n}")
    _open_alert(ds, version, django_capture_on_commit_callbacks)
    client.force_login(admin)
    with django_assert_max_num_queries(12):
        page = client.get("/monitoring/webhooks/")
    text = page.content.decode()
    assert page.status_code == 200 and "hook 2" in text and "alert.opened" in text and "delivered" in text
    answer = client.post(
        "/monitoring/webhooks/",
        {"name": "Pipeline", "url": "https://hooks.example.com/p", "events": ["retraining.requested"], "secret": "x"},
    )
    assert answer.status_code == 302 and WebhookEndpoint.objects.filter(name="Pipeline").exists()
    bad = client.post("/monitoring/webhooks/", {"name": "Bad", "url": "ftp://x.example/p", "secret": "x"})
    assert bad.status_code == 400 and not WebhookEndpoint.objects.filter(name="Bad").exists()
    client.force_login(pm)
    assert client.get("/monitoring/webhooks/").status_code == 404
    assert (
        client.post("/monitoring/webhooks/", {"name": "Mine", "url": "https://a.example/", "secret": "x"}).status_code
        == 404
    )

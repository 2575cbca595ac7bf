"""Concerns: raised by anyone who sees the subject, optionally anonymous towards its owners; triaged with a
severity, assignee and deadline by the triage team; resolved or dismissed with words; escalated once when
overdue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from governance import selectors, services
from governance.models import Concern
from lifecycle import services as lifecycle
from notifications.models import Notification
from portfolio import services as portfolio
from tests.governance.helpers import person


@pytest.fixture
def reporter(units):
    return person("whistleblower", "data_scientist", units=(units["RETAIL"],))


@pytest.fixture
def triager(units):
    return person("triager", "review_board", units=(units["OPS"],))


@pytest.fixture
def anonymous_concern(reporter, model):
    return services.concern_raise(
        actor=reporter, model=model, kind="data_ownership", description="Trained on partner data.", anonymous=True
    )


def test_a_concern_is_raised_audited_and_the_triage_team_told(reporter, triager, model):
    concern = services.concern_raise(actor=reporter, use_case=model.use_case, kind="ethics", description=" Scary. ")
    assert (concern.status, concern.description, concern.model, concern.anonymous) == ("open", "Scary.", None, False)
    assert concern.respond_by == timezone.localdate() + timedelta(days=5)  # triage deadline
    assert AuditEvent.objects.filter(action="concern.raised").count() == 1
    assert Notification.objects.filter(recipient=triager, category="concern").exists()
    on_model = services.concern_raise(actor=reporter, model=model, kind="privacy", description="PII in features.")
    assert on_model.use_case == model.use_case  # a concern about a model is also about its use case


@pytest.mark.parametrize(("severity", "days"), [("critical", 2), ("high", 5), ("medium", 10), ("low", 20)])
def test_the_response_deadline_defaults_by_severity(anonymous_concern, triager, severity, days):
    concern = services.concern_triage(actor=triager, concern=anonymous_concern, severity=severity, assignee=triager)
    assert concern.status == "triaged"
    assert concern.respond_by == timezone.localdate() + timedelta(days=days)
    chosen = timezone.localdate() + timedelta(days=30)
    assert services.concern_triage(actor=triager, concern=concern, severity=severity, respond_by=chosen).respond_by == (
        chosen
    )


def test_each_refusal_changes_nothing(anonymous_concern, triager, reporter, ds):
    with pytest.raises(NotAllowed, match="triage team"):
        services.concern_triage(actor=ds, concern=anonymous_concern, severity="high")
    with pytest.raises(Conflict, match="Triage the concern"):
        services.concern_resolve(actor=triager, concern=anonymous_concern, resolution="Done.")
    services.concern_triage(actor=triager, concern=anonymous_concern, severity="high")
    with pytest.raises(ApplicationError, match="resolution") as blank:
        services.concern_resolve(actor=triager, concern=anonymous_concern, resolution="  ")
    assert blank.value.details == {"resolution": ["Required."]}
    with pytest.raises(ApplicationError, match="reason"):
        services.concern_dismiss(actor=triager, concern=anonymous_concern, reason="")
    with pytest.raises(NotAllowed):
        services.concern_resolve(actor=reporter, concern=anonymous_concern, resolution="I fixed it myself.")
    with pytest.raises(ApplicationError, match="assignee"):
        services.concern_triage(actor=triager, concern=anonymous_concern, severity="low", assignee=ds)
    with pytest.raises(ApplicationError, match="past"):
        services.concern_triage(
            actor=triager,
            concern=anonymous_concern,
            severity="low",
            respond_by=timezone.localdate() - timedelta(days=1),
        )
    with pytest.raises(ApplicationError, match="severity"):
        services.concern_triage(actor=triager, concern=anonymous_concern, severity="apocalyptic")
    concern = Concern.objects.get(pk=anonymous_concern.pk)
    assert (concern.status, concern.severity, concern.outcome) == ("triaged", "high", "")
    services.concern_resolve(actor=triager, concern=concern, resolution="Contract amended; data owner agreed.")
    with pytest.raises(Conflict, match="resolved"):
        services.concern_dismiss(actor=triager, concern=concern, reason="Too late.")
    assert list(
        AuditEvent.objects.filter(action__startswith="concern.").order_by("seq").values_list("action", flat=True)
    ) == [
        "concern.raised",
        "concern.triaged",
        "concern.resolved",
    ]
    assert Notification.objects.filter(recipient=reporter, subject__contains="resolved").exists()


def test_anonymity_hides_the_reporter_from_the_owners_on_pages_and_api(
    anonymous_concern, client, api, ds, triager, reporter
):
    assert ds in anonymous_concern.model.owners.all()
    client.force_login(ds)
    for url in (f"/governance/concerns/{anonymous_concern.pk}/", "/governance/concerns/"):
        page = client.get(url)
        assert page.status_code == 200 and "Trained on partner data" in page.content.decode()
        assert "whistleblower" not in page.content.decode()
    owner_api = api(ds)
    assert owner_api.get(f"/api/v1/concerns/{anonymous_concern.pk}/").json()["reporter"] is None
    assert owner_api.get("/api/v1/concerns/").json()["results"][0]["reporter"] is None
    assert api(triager).get(f"/api/v1/concerns/{anonymous_concern.pk}/").json()["reporter"] == "whistleblower"
    assert api(reporter).get(f"/api/v1/concerns/{anonymous_concern.pk}/").json()["reporter"] == "whistleblower"
    client.force_login(triager)
    assert "whistleblower" in client.get(f"/governance/concerns/{anonymous_concern.pk}/").content.decode()


def test_a_named_concern_shows_its_reporter_to_the_owners(reporter, model, api, ds):
    concern = services.concern_raise(actor=reporter, model=model, kind="safety", description="No fallback.")
    assert api(ds).get(f"/api/v1/concerns/{concern.pk}/").json()["reporter"] == "whistleblower"


def test_overdue_concerns_escalate_once_to_the_team_and_the_assignee(anonymous_concern, triager, units):
    other = person("triager-two", "review_board", units=(units["RETAIL"],))
    services.concern_triage(actor=triager, concern=anonymous_concern, severity="critical", assignee=other)
    fresh = services.concern_raise(
        actor=triager, use_case=anonymous_concern.use_case, kind="other", description="Not overdue."
    )
    later = timezone.localdate() + timedelta(days=3)
    assert services.concerns_escalate_overdue(today=timezone.localdate()) == 0
    Notification.objects.all().delete()
    assert services.concerns_escalate_overdue(today=later) == 1
    concern = Concern.objects.get(pk=anonymous_concern.pk)
    assert concern.escalated_at is not None
    told = set(Notification.objects.filter(subject__startswith="Overdue concern").values_list("recipient", flat=True))
    assert {triager.pk, other.pk} <= told
    assert services.concerns_escalate_overdue(today=later) == 0
    assert AuditEvent.objects.filter(action="concern.escalated").count() == 1
    assert Concern.objects.get(pk=fresh.pk).escalated_at is None


def test_a_closed_concern_never_escalates(anonymous_concern, triager):
    services.concern_dismiss(actor=triager, concern=anonymous_concern, reason="Duplicate of #1.")
    assert services.concerns_escalate_overdue(today=timezone.localdate() + timedelta(days=60)) == 0


def test_scoping_follows_the_subject_the_reporter_and_the_assignee(units, reporter, triager, api, ds):
    pm = person("pm", "program_manager", units=(units["RETAIL"],))
    hidden_case = portfolio.use_case_create(
        actor=pm, title="Secret", business_unit=units["RETAIL"], problem_statement="x", confidential=True
    )
    secret = lifecycle.model_register(actor=ds, name="secret-model", use_case=hidden_case)
    concern = services.concern_raise(actor=reporter, model=secret, kind="privacy", description="Hidden matter.")
    outsider = person("outsider", "program_manager", units=(units["CORP"],))
    assert not selectors.concern_list(user=outsider).filter(pk=concern.pk).exists()
    assert api(outsider).get(f"/api/v1/concerns/{concern.pk}/").status_code == 404
    assert api(triager).get(f"/api/v1/concerns/{concern.pk}/").status_code == 404  # confidentiality holds
    told = Notification.objects.filter(subject__contains="secret-model").values_list("recipient__username", flat=True)
    assert "triager" not in told  # nor is the triager told about a model they may not see
    assert api(reporter).get(f"/api/v1/concerns/{concern.pk}/").status_code == 200
    assert api(ds).get(f"/api/v1/concerns/{concern.pk}/").status_code == 200
    executive = person("exec", "executive")
    assert selectors.concern_list(user=executive).filter(pk=concern.pk).exists()
    # Raising needs the subject in sight: a hidden model answers as if it did not exist.
    refused = api(outsider).post("/api/v1/concerns/", {"model": secret.pk, "kind": "ethics", "description": "x"})
    assert refused.status_code == 404 and Concern.objects.count() == 1


def test_api_raise_triage_resolve_dismiss(model, reporter, triager, api):
    created = api(reporter).post(
        "/api/v1/concerns/", {"model": model.pk, "kind": "fairness", "description": "Bias in ages.", "anonymous": True}
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "open" and created.json()["reporter"] == "whistleblower"
    assert api(reporter).post(f"/api/v1/concerns/{pk}/triage/", {"severity": "high"}).status_code == 403
    triaged = api(triager).post(f"/api/v1/concerns/{pk}/triage/", {"severity": "high", "assignee": "triager"})
    assert triaged.status_code == 200 and triaged.json()["assignee"] == "triager"
    assert api(triager).post(f"/api/v1/concerns/{pk}/resolve/", {"resolution": ""}).status_code == 400
    resolved = api(triager).post(f"/api/v1/concerns/{pk}/resolve/", {"resolution": "Reweighted."})
    assert resolved.json()["status"] == "resolved" and resolved.json()["outcome"] == "Reweighted."
    other = api(reporter).post(
        "/api/v1/concerns/", {"use_case": model.use_case_id, "kind": "other", "description": "y"}
    )
    assert api(triager).post(f"/api/v1/concerns/{other.json()['id']}/dismiss/", {}).status_code == 400
    dismissed = api(triager).post(f"/api/v1/concerns/{other.json()['id']}/dismiss/", {"reason": "Out of scope."})
    assert dismissed.json()["status"] == "dismissed"
    both = api(reporter).post(
        "/api/v1/concerns/", {"use_case": model.use_case_id, "model": model.pk, "kind": "other", "description": "z"}
    )
    assert both.status_code == 400
    filtered = api(triager).get("/api/v1/concerns/", {"status": "dismissed"}).json()
    assert [row["id"] for row in filtered["results"]] == [other.json()["id"]]


def test_pages_raise_triage_and_refuse_a_blank_resolution(client, model, reporter, triager):
    client.force_login(reporter)
    assert "raise a concern" in client.get(f"/lifecycle/models/{model.pk}/").content.decode()
    assert "raise a concern" in client.get(f"/portfolio/use-cases/{model.use_case_id}/").content.decode()
    form = client.get(f"/governance/models/{model.pk}/concern/")
    assert form.status_code == 200
    raised = client.post(
        f"/governance/models/{model.pk}/concern/",
        {"kind": "ethics", "description": "Nudges people.", "anonymous": "on"},
    )
    concern = Concern.objects.get()
    assert raised.status_code == 302 and raised.url == f"/governance/concerns/{concern.pk}/"
    assert concern.anonymous and concern.model == model
    assert "Triage" not in client.get(raised.url).content.decode()  # the reporter may not triage
    client.force_login(triager)
    client.post(raised.url, {"step": "triage", "severity": "medium", "assignee": triager.pk})
    concern.refresh_from_db()
    assert (concern.status, concern.assignee) == ("triaged", triager)
    page = client.post(raised.url, {"step": "resolve", "text": ""}, follow=True)
    assert "resolution: record what was done" in page.content.decode()
    client.post(raised.url, {"step": "resolve", "text": "Removed the nudge."})
    concern.refresh_from_db()
    assert (concern.status, concern.outcome) == ("resolved", "Removed the nudge.")
    listed = client.get("/governance/concerns/", {"status": "resolved", "severity": "medium"}).content.decode()
    assert f"#{concern.pk}" in listed
    assert f"#{concern.pk}<" not in client.get("/governance/concerns/", {"status": "open"}).content.decode()


def test_open_concerns_by_severity_in_one_query(model, reporter, triager, django_assert_num_queries):
    for severity in ("high", "high", "low", None):
        concern = services.concern_raise(actor=reporter, model=model, kind="other", description="c")
        if severity:
            services.concern_triage(actor=triager, concern=concern, severity=severity)
    closed = services.concern_raise(actor=reporter, model=model, kind="other", description="d")
    services.concern_dismiss(actor=triager, concern=closed, reason="dup")
    triager = type(triager).objects.get(pk=triager.pk)
    triager.has_perm("governance.triage_concern")  # permissions cached, as in a request
    triager.business_unit_memberships.count()
    with django_assert_num_queries(2):  # the memberships of the user, then the counts
        counts = selectors.open_concerns_by_severity(user=triager)
    assert counts == {"low": 1, "medium": 0, "high": 2, "critical": 0, "untriaged": 1}


def test_the_list_takes_a_fixed_number_of_queries(model, reporter, triager, api, client, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            concern = services.concern_raise(actor=reporter, model=model, kind="other", description="c", anonymous=True)
            services.concern_triage(actor=triager, concern=concern, severity="low", assignee=triager)

    add(2)
    client.force_login(triager)
    with django_assert_max_num_queries(12) as few:
        assert api(triager).get("/api/v1/concerns/").status_code == 200
    with django_assert_max_num_queries(20) as few_page:
        assert client.get("/governance/concerns/").status_code == 200
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api(triager).get("/api/v1/concerns/").json()["results"]) == 12
    with django_assert_max_num_queries(len(few_page.captured_queries)):
        assert client.get("/governance/concerns/").status_code == 200


def test_the_beat_task_escalates(anonymous_concern):
    from governance.tasks import escalate_overdue_concerns

    Concern.objects.filter(pk=anonymous_concern.pk).update(respond_by=timezone.localdate() - timedelta(days=1))
    assert escalate_overdue_concerns.apply().get() == {"escalated": 1}
    assert escalate_overdue_concerns.apply().get() == {"escalated": 0}

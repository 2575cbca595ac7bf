"""External audits (compliance): auditor, scope (frameworks, use cases), dates, findings with owners and
follow-ups; an audit closes only when every finding's follow-ups are done or its risk is accepted, and
overdue follow-ups are listed. Use cases in scope show only to those who may see them."""

from datetime import date, timedelta

import pytest

from audit.models import AuditEvent
from compliance import services
from compliance.models import ExternalAudit, Framework
from core.exceptions import ApplicationError, Conflict, NotAllowed
from notifications.models import Notification
from portfolio import services as portfolio
from tests.governance.helpers import person

TODAY = date.today()


@pytest.fixture
def compliance(units):
    return person("compliance", "sign_off_compliance", "review_board", units=(units["RETAIL"],))


@pytest.fixture
def owner(units):
    return person("owner", "data_scientist", units=(units["RETAIL"],))


@pytest.fixture
def external_audit(compliance, use_case):
    return services.external_audit_create(
        actor=compliance,
        auditor="Meridian Assurance LLP",
        lead_auditor="Hana Ito",
        scope="Model risk management of credit models against the EU AI Act.",
        start_date=TODAY - timedelta(days=40),
        end_date=TODAY - timedelta(days=10),
        frameworks=[Framework.objects.get(code="eu-ai-act")],
        use_cases=[use_case],
    )


def _reported(actor, external_audit):
    services.external_audit_transition(actor=actor, external_audit=external_audit, to="fieldwork")
    services.external_audit_update(actor=actor, external_audit=external_audit, report_link="https://dms.example/r1")
    return services.external_audit_transition(actor=actor, external_audit=external_audit, to="reported")


def test_planning_an_audit_refuses_bad_dates_and_outsiders(compliance, ds, use_case):
    with pytest.raises(ApplicationError, match=r"end_date: an audit ends on or after its start"):
        services.external_audit_create(
            actor=compliance,
            auditor="Firm",
            lead_auditor="Lead",
            scope="Scope",
            start_date="2026-05-10",
            end_date="2026-05-01",
        )
    with pytest.raises(NotAllowed, match="Only compliance records external audits"):
        services.external_audit_create(
            actor=ds, auditor="Firm", lead_auditor="Lead", scope="Scope", start_date=TODAY, end_date=TODAY
        )
    assert not ExternalAudit.objects.exists()


def test_an_audit_closes_only_when_every_finding_is_settled(external_audit, compliance, owner, ds):
    with pytest.raises(Conflict, match="findings are recorded from fieldwork on"):
        services.audit_finding_add(
            actor=compliance,
            external_audit=external_audit,
            reference="F-01",
            severity="high",
            description="x",
            owner=owner,
            due_date=TODAY,
        )
    services.external_audit_transition(actor=compliance, external_audit=external_audit, to="fieldwork")
    with pytest.raises(ApplicationError, match="report_link: record where the audit report is"):
        services.external_audit_transition(actor=compliance, external_audit=external_audit, to="reported")
    external_audit = _reported(compliance, external_audit)
    findings = [
        services.audit_finding_add(
            actor=compliance,
            external_audit=external_audit,
            reference=ref,
            severity=severity,
            description=f"Finding {ref}",
            owner=owner,
            due_date=TODAY + timedelta(days=30),
        )
        for ref, severity in (("F-01", "high"), ("F-02", "medium"), ("F-03", "low"))
    ]
    assert Notification.objects.filter(recipient=owner, subject__startswith="You own audit finding").count() == 3
    with pytest.raises(ApplicationError, match="reference: this audit has a finding F-01 already"):
        services.audit_finding_add(
            actor=compliance,
            external_audit=external_audit,
            reference="f-01",
            severity="low",
            description="x",
            owner=owner,
            due_date=TODAY,
        )
    late = services.follow_up_add(
        actor=compliance,
        finding=findings[0],
        description="Document the challenger models.",
        owner=owner,
        due_date=TODAY - timedelta(days=3),
    )
    with pytest.raises(Conflict) as refused:
        services.external_audit_transition(actor=compliance, external_audit=external_audit, to="closed")
    assert refused.value.message == (
        "The audit cannot close: F-01 has 1 open follow-up(s); F-02 has no follow-up and its risk is not accepted; "
        "F-03 has no follow-up and its risk is not accepted. Finish the follow-ups or accept the risk."
    )
    from compliance import selectors

    assert list(selectors.follow_ups_overdue(user=ds)) == [late]
    with pytest.raises(NotAllowed, match="owner or compliance"):
        services.follow_up_complete(actor=ds, follow_up=late, note="done")
    with pytest.raises(ApplicationError, match="note: say what was done"):
        services.follow_up_complete(actor=owner, follow_up=late, note="")
    services.follow_up_complete(actor=owner, follow_up=late, note="Challenger section added to the model cards.")
    assert list(selectors.follow_ups_overdue(user=ds)) == []
    second = services.follow_up_add(
        actor=compliance, finding=findings[1], description="Retrain staff.", owner=owner, due_date=TODAY
    )
    services.follow_up_complete(actor=compliance, follow_up=second, note="Training held on the 3rd.")
    with pytest.raises(ApplicationError, match="reason: say why the risk is acceptable"):
        services.audit_finding_accept_risk(actor=compliance, finding=findings[2], reason="")
    services.audit_finding_accept_risk(actor=compliance, finding=findings[2], reason="Cosmetic; CRO accepts.")
    closed = services.external_audit_transition(actor=compliance, external_audit=external_audit, to="closed")
    assert (closed.status, closed.closed_by) == ("closed", compliance)
    with pytest.raises(Conflict, match="is closed"):
        services.follow_up_add(actor=compliance, finding=findings[0], description="x", owner=owner, due_date=TODAY)
    actions = list(AuditEvent.objects.filter(target_type="compliance.externalaudit").values_list("action", flat=True))
    assert actions.count("external_audit.transitioned") == 3 and "external_audit.risk_accepted" in actions


def test_transitions_move_one_step_forward(external_audit, compliance):
    with pytest.raises(Conflict, match="A planned audit moves to fieldwork, not closed"):
        services.external_audit_transition(actor=compliance, external_audit=external_audit, to="closed")


def test_use_cases_in_scope_show_only_to_who_may_see_them(compliance, units, api, client, use_case):
    admin = person("admin", "platform_admin")
    pm_corp = person("pm-corp", "program_manager", units=(units["CORP"],))
    secret = portfolio.use_case_create(
        actor=pm_corp,
        title="Secret merger screening",
        business_unit=units["CORP"],
        problem_statement="x",
        confidential=True,
    )
    with pytest.raises(NotAllowed):  # compliance of RETAIL cannot put a use case it does not see in scope
        services.external_audit_create(
            actor=compliance,
            auditor="F",
            lead_auditor="L",
            scope="S",
            start_date=TODAY,
            end_date=TODAY,
            use_cases=[secret],
        )
    external_audit = services.external_audit_create(
        actor=compliance,
        auditor="F",
        lead_auditor="L",
        scope="S",
        start_date=TODAY,
        end_date=TODAY,
        use_cases=[use_case],
    )
    # Someone who sees both adds the confidential one; RETAIL's edit later does not drop it.
    admin.user_permissions.add(*compliance.groups.get(name="Sign-off: Compliance").permissions.all())
    admin = person("admin", "platform_admin")
    services.external_audit_update(actor=admin, external_audit=external_audit, use_cases=[use_case, secret])
    services.external_audit_update(actor=compliance, external_audit=external_audit, use_cases=[use_case])
    assert set(external_audit.use_cases.all()) == {use_case, secret}
    outsider = person("outsider", "data_scientist", units=(units["OPS"],))
    body = api(outsider).get(f"/api/v1/external-audits/{external_audit.pk}/").json()
    assert body["use_cases"] == [use_case.pk]
    assert api(admin).get(f"/api/v1/external-audits/{external_audit.pk}/").json()["use_cases"] == sorted(
        [use_case.pk, secret.pk]
    )
    refused = api(compliance).patch(
        f"/api/v1/external-audits/{external_audit.pk}/", {"use_cases": [secret.pk]}, format="json"
    )
    assert refused.status_code == 400 and "Secret" not in refused.content.decode()
    client.force_login(outsider)
    page = client.get(f"/governance/audits/{external_audit.pk}/").content.decode()
    assert use_case.code in page and secret.code not in page and "Secret merger" not in page
    listing = client.get("/governance/audits/").content.decode()
    assert use_case.code in listing and secret.code not in listing


def test_external_audit_api_round_trip_and_no_mass_assignment(compliance, owner, ds, api, use_case):
    created = api(compliance).post(
        "/api/v1/external-audits/",
        {
            "auditor": "Meridian",
            "lead_auditor": "Hana Ito",
            "scope": "Credit models",
            "start_date": "2026-01-05",
            "end_date": "2026-01-30",
            "frameworks": [Framework.objects.get(code="eu-ai-act").pk],
            "use_cases": [use_case.pk],
            "status": "closed",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "planned" and created.json()["use_cases"] == [use_case.pk]
    pk = created.json()["id"]
    assert api(ds).post("/api/v1/external-audits/", {"auditor": "x"}).status_code == 403
    sneaky = api(compliance).patch(
        f"/api/v1/external-audits/{pk}/", {"status": "closed", "report_link": "https://r.example/1"}
    )
    assert sneaky.status_code == 200 and sneaky.json()["status"] == "planned"
    bad = api(compliance).patch(f"/api/v1/external-audits/{pk}/", {"end_date": "2025-12-01"})
    assert bad.status_code == 400 and "end_date: an audit ends on or after its start" in bad.json()["detail"]
    for to in ("fieldwork", "reported"):
        assert api(compliance).post(f"/api/v1/external-audits/{pk}/transition/", {"to": to}).status_code == 200
    finding = api(compliance).post(
        "/api/v1/audit-findings/",
        {
            "audit": pk,
            "reference": "F-1",
            "severity": "critical",
            "description": "No DPIA.",
            "owner": owner.pk,
            "due_date": "2026-02-01",
        },
    )
    assert finding.status_code == 201, finding.json()
    fid = finding.json()["id"]
    follow_up = api(compliance).post(
        "/api/v1/follow-ups/",
        {
            "finding": fid,
            "description": "Write the DPIA.",
            "owner": owner.pk,
            "due_date": "2026-01-20",
            "status": "done",
        },
    )
    assert follow_up.status_code == 201 and follow_up.json()["status"] == "open", follow_up.json()
    refused = api(compliance).post(f"/api/v1/external-audits/{pk}/transition/", {"to": "closed"})
    assert refused.status_code == 409 and "F-1 has 1 open follow-up(s)" in refused.json()["detail"]
    overdue = api(ds).get("/api/v1/external-audits/overdue-follow-ups/").json()
    assert [row["id"] for row in overdue] == [follow_up.json()["id"]] and overdue[0]["overdue"] is True
    assert api(ds).post(f"/api/v1/follow-ups/{follow_up.json()['id']}/complete/", {"note": "x"}).status_code == 403
    done = api(owner).post(f"/api/v1/follow-ups/{follow_up.json()['id']}/complete/", {"note": "DPIA signed."})
    assert done.status_code == 200 and done.json()["status"] == "done"
    closed = api(compliance).post(f"/api/v1/external-audits/{pk}/transition/", {"to": "closed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api(ds).get(f"/api/v1/audit-findings/{fid}/").json()["follow_ups"][0]["completion_note"] == "DPIA signed."


def test_audit_pages_render_and_take_the_workflow(compliance, owner, client):
    client.force_login(compliance)
    answer = client.post(
        "/governance/audits/",
        {
            "auditor": "Meridian",
            "lead_auditor": "Hana Ito",
            "scope": "Credit",
            "frameworks": [Framework.objects.get(code="eu-ai-act").pk],
            "start_date": "2026-01-05",
            "end_date": "2026-01-30",
        },
    )
    external_audit = ExternalAudit.objects.get()
    url = f"/governance/audits/{external_audit.pk}/"
    assert answer.status_code == 302 and answer["Location"] == url
    client.post(url, {"step": "transition", "to": "fieldwork"})
    client.post(
        url,
        {
            "step": "finding",
            "reference": "F-1",
            "severity": "high",
            "description": "No DPIA.",
            "owner": owner.pk,
            "due_date": "2026-02-01",
        },
    )
    finding = external_audit.findings.get()
    client.post(
        url,
        {
            "step": "follow_up",
            "finding": finding.pk,
            "description": "Write it.",
            "owner": owner.pk,
            "due_date": (TODAY - timedelta(days=1)).isoformat(),
        },
    )
    page = client.get(url).content.decode()
    assert "F-1 has 1 open follow-up(s)" in page and "overdue" in page
    assert "Write it." in client.get("/governance/audits/").content.decode()
    client.force_login(owner)
    client.post(url, {"step": "complete", "follow_up": finding.follow_ups.get().pk, "note": "Written."})
    client.force_login(compliance)
    client.post(
        url,
        {
            "step": "edit",
            "auditor": "Meridian",
            "lead_auditor": "Hana Ito",
            "scope": "Credit",
            "start_date": "2026-01-05",
            "end_date": "2026-01-30",
            "report_link": "https://r.example/1",
        },
    )
    client.post(url, {"step": "transition", "to": "reported"})
    client.post(url, {"step": "transition", "to": "closed"})
    external_audit.refresh_from_db()
    assert external_audit.status == "closed"
    assert "No follow-up is overdue." in client.get("/governance/audits/").content.decode()


def test_audit_lists_take_a_fixed_number_of_queries(
    compliance, owner, api, client, use_case, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            external_audit = services.external_audit_create(
                actor=compliance,
                auditor=f"Firm {i}",
                lead_auditor="Lead",
                scope="Scope",
                start_date=TODAY - timedelta(days=30),
                end_date=TODAY,
                frameworks=list(Framework.objects.all()[:2]),
                use_cases=[use_case],
            )
            services.external_audit_transition(actor=compliance, external_audit=external_audit, to="fieldwork")
            finding = services.audit_finding_add(
                actor=compliance,
                external_audit=external_audit,
                reference="F-1",
                severity="low",
                description="x",
                owner=owner,
                due_date=TODAY,
            )
            services.follow_up_add(
                actor=compliance, finding=finding, description="y", owner=owner, due_date=TODAY - timedelta(days=1)
            )

    add(2)
    client.force_login(owner)
    urls = ["/api/v1/external-audits/", "/api/v1/audit-findings/", "/api/v1/follow-ups/", "/governance/audits/"]
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(25) as captured:
            assert (api(owner) if url.startswith("/api") else client).get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    add(6)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert (api(owner) if url.startswith("/api") else client).get(url).status_code == 200

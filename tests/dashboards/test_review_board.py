"""The review board's dashboard: what waits for my functions, decisions this quarter, what expires."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from governance.models import ReviewPolicy
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from portfolio import services as portfolio
from tests.governance.helpers import approve_assessment, approved_version, signer_for
from tests.lifecycle.helpers import record_training_data

pytestmark = pytest.mark.django_db


def test_the_queue_the_decisions_and_the_expiring_approvals(client, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    model = lifecycle.model_register(actor=ds, name="fraud", use_case=use_case)
    approved_version(model, 1, actor=ds)  # low tier: one validation sign-off
    waiting = lifecycle.model_version_register(actor=ds, model=model, version="2", signature={"inputs": "[x]"})
    lifecycle.model_version_transition(actor=ds, version=waiting, to_stage=Stage.IN_VALIDATION)
    record_training_data(waiting, actor=ds)
    lifecycle.model_version_transition(actor=ds, version=waiting, to_stage=Stage.PENDING_APPROVAL)
    validator = signer_for("validation")
    client.force_login(validator)
    page = client.get("/dashboards/review-board/").content.decode()
    decisions = page.split('data-testid="decisions"')[1].split("</section>")[0]
    assert '<div class="figure">1</div><div class="label">approvals since' in decisions
    queue = page.split('data-testid="queue"')[1].split("</section>")[0]
    assert "fraud v2" in queue and "Validation" in queue
    validity = ReviewPolicy.objects.filter(tier="low").order_by("-version").first().approval_validity_days
    with time_machine.travel(timezone.now() + timedelta(days=validity - 10)):
        client.force_login(validator)
        later = client.get("/dashboards/review-board/").content.decode()
    expiring = later.split('data-testid="expiring"')[1].split("</section>")[0]
    assert "fraud v1" in expiring


def _waiting_version(pm, ds, unit, name):
    use_case = portfolio.use_case_create(actor=pm, title=name, business_unit=unit)
    model = lifecycle.model_register(actor=ds, name=name, use_case=use_case)
    version = lifecycle.model_version_register(actor=ds, model=model, version="1", signature={"inputs": "[x]"})
    lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    record_training_data(version, actor=ds)
    approve_assessment(use_case)
    lifecycle.model_version_transition(actor=ds, version=version, to_stage=Stage.PENDING_APPROVAL)
    return version


def test_unit_filter_ageing_chart_and_queue_export(client, units, make_user, django_assert_max_num_queries):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"], units["CORP"]))
    _waiting_version(pm, ds, units["RETAIL"], "retail-model")
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        _waiting_version(pm, ds, units["CORP"], "corp-model")  # waited past the turnaround
    validator = signer_for("validation")
    client.force_login(validator)
    rows = client.get("/dashboards/review-board/?export=queue").content.decode().splitlines()
    assert len(rows) == 3 and any("corp-model v1" in r and r.endswith(",True") for r in rows)
    narrowed = client.get("/dashboards/review-board/?unit=RETAIL&export=queue").content.decode().splitlines()
    assert len(narrowed) == 2 and "retail-model v1" in narrowed[1]
    with django_assert_max_num_queries(40):
        page = client.get("/dashboards/review-board/").content.decode()
    ageing = page.split('data-testid="ageing"')[1].split("</section>")[0]
    figure = json.loads(ageing.split('type="application/json">')[1].split("</script>")[0])
    bars = figure["data"][0]
    overdue = {name.split()[1]: age > 5 for name, age in zip(bars["y"], bars["x"], strict=True)}
    assert overdue == {"corp-model": True, "retail-model": False}
    assert all(url.startswith("/governance/reviews/") for url in bars["customdata"])


def test_an_approval_expires_on_its_own_day_only_and_the_database_reads_that_window(units, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.calendar_sources import approval_expiries
    from governance.models import Review

    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    version = approved_version(lifecycle.model_register(actor=ds, name="fraud", use_case=use_case), 1, actor=ds)
    review = Review.objects.get(version=version, status="approved")
    expires = (review.closed_at + timedelta(days=review.policy.approval_validity_days)).date()

    def listed(start, end):
        with CaptureQueriesContext(connection) as queries:
            uids = [event.uid for event in approval_expiries(user=ds, start=start, end=end)]
        # At scale the page must not read every live approval: the window is in the SQL.
        assert '"closed_at" BETWEEN' in queries.captured_queries[-1]["sql"]
        return uids

    assert listed(expires, expires) == [f"approval-expiry-{review.pk}"]
    assert listed(expires - timedelta(days=30), expires - timedelta(days=1)) == []
    assert listed(expires + timedelta(days=1), expires + timedelta(days=30)) == []


def test_evidence_expiring_and_waiting_for_review(client, units, make_user):
    from datetime import date

    from compliance import services as compliance
    from compliance.models import Control

    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    reviewer = make_user("rev", "review_board")
    control = Control.objects.get(code="CTL-01")
    soon = compliance.evidence_submit(actor=pm, control=control, use_case=use_case, kind="text", text="Validation log")
    compliance.evidence_review(
        actor=reviewer, evidence=soon, decision="accept", expires_on=date.today() + timedelta(10)
    )
    later = compliance.evidence_submit(actor=pm, control=control, use_case=use_case, kind="text", text="Annual test")
    compliance.evidence_review(
        actor=reviewer, evidence=later, decision="accept", expires_on=date.today() + timedelta(90)
    )
    compliance.evidence_submit(actor=pm, control=control, use_case=use_case, kind="text", text="Not reviewed yet")
    client.force_login(make_user("rev2", "review_board"))
    page = client.get("/dashboards/review-board/").content.decode()
    panel = page.split('data-testid="evidence"')[1].split("</section>")[0]
    assert (date.today() + timedelta(10)).isoformat() in panel
    assert (date.today() + timedelta(90)).isoformat() not in panel
    assert "1 waiting for review" in panel

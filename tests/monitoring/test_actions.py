"""Alerts that propose a rollback or suspend the model: proposed when the alert opens, confirmed by a person
through lifecycle's own services (or carried out automatically after the sync commits), dismissed with a
reason, decided once, refused when stale or not allowed."""

import json

import pytest

from audit.models import AuditEvent
from core.accounts import SYSTEM_USERNAME
from core.exceptions import ApplicationError, Conflict, NotAllowed
from core.seeding import seeding_bypass
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import Incident, ModelVersion, StageTransition
from monitoring import actions, services, webhooks
from monitoring.models import ActionProposal, Alert, AlertRule, MetricDefinition, WebhookDelivery
from notifications.models import Notification
from tests.governance.helpers import seed_restorable
from tests.monitoring.factories import series_of, store, version_of
from tests.monitoring.test_webhooks import Receiver


@pytest.fixture
def people(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],), email="ds@example.com")
    other = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    return pm, ds, other


@pytest.fixture
def versions(people, units):
    """v1 was in production and is deprecated; v2 replaced it and is in production now."""
    pm, ds, _ = people
    first = version_of(pm=pm, ds=ds, unit=units["RETAIL"], stage=Stage.DEPRECATED)
    # It was assessed, approved and deployed when it reached production: a rollback may restore it, through
    # production's gates like any move there.
    seed_restorable(first, actor=ds)
    second = lifecycle.model_version_register(
        actor=ds, model=first.model, version="2", mlflow_run_id="run-fraud-2", signature={"inputs": "[amount]"}
    )
    with seeding_bypass():
        ModelVersion.objects.filter(pk=second.pk).update(stage=Stage.PRODUCTION)
    StageTransition.objects.create(version=first, from_stage=Stage.APPROVED, to_stage=Stage.PRODUCTION, actor=ds)
    StageTransition.objects.create(version=second, from_stage=Stage.APPROVED, to_stage=Stage.PRODUCTION, actor=ds)
    second.refresh_from_db()
    return first, second


def _rule(ds, version, action, **fields):
    return services.alert_rule_create(
        actor=ds,
        name=fields.pop("name", "Null rate above 5 %"),
        metric=MetricDefinition.objects.get(name="null_rate"),
        scope_kind="model",
        model=version.model,
        condition="above",
        threshold=0.05,
        action=action,
        **fields,
    )


def _breach(version, capture=None):
    if capture is None:
        store(series_of(version, metric="null_rate"), [0.01, 0.4])
    else:
        with capture(execute=True):
            store(series_of(version, metric="null_rate"), [0.01, 0.4])
    return Alert.objects.get(model_version=version)


# --- Rollback -------------------------------------------------------------------------------------------------


def test_a_rollback_is_proposed_when_the_alert_opens_and_the_owners_hear_of_it(people, versions):
    _, ds, _ = people
    first, second = versions
    _rule(ds, second, "propose_rollback")
    alert = _breach(second)
    proposal = alert.action_proposal
    assert (proposal.kind, proposal.status, proposal.version, proposal.restore_version) == (
        "rollback",
        "proposed",
        second,
        first,
    )
    assert not proposal.automatic and proposal.decided_by is None
    notice = Notification.objects.get(recipient=ds, url=f"/monitoring/alerts/{alert.pk}/")
    assert "roll fraud back from v2 to v1" in notice.body and notice.url == f"/monitoring/alerts/{alert.pk}/"
    assert AuditEvent.objects.filter(action="action_proposal.proposed", target_id=str(proposal.pk)).exists()
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.PRODUCTION  # nothing happens by itself


def test_confirming_rolls_back_through_lifecycle_as_the_person(people, versions):
    _, ds, _ = people
    first, second = versions
    _rule(ds, second, "propose_rollback")
    proposal = _breach(second).action_proposal
    before = StageTransition.objects.order_by("-pk").first().pk
    done = actions.action_proposal_confirm(actor=ds, proposal=proposal, note="Nulls from the new feature store.")
    assert (done.status, done.decided_by, done.decision_note) == ("confirmed", ds, "Nulls from the new feature store.")
    assert done.decided_at is not None and "v2 suspended, v1 restored" in done.result
    assert ModelVersion.objects.get(pk=first.pk).stage == Stage.PRODUCTION
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.SUSPENDED
    moves = StageTransition.objects.filter(pk__gt=before, actor=ds).order_by("pk")
    assert [(m.version_id, m.to_stage) for m in moves] == [(second.pk, "suspended"), (first.pk, "production")]
    assert "Null rate above 5 %" in moves[0].reason
    assert Incident.objects.get(model=first.model).opened_by == ds
    event = AuditEvent.objects.get(action="action_proposal.confirmed")
    assert event.actor == ds and event.changes["status"] == ["proposed", "confirmed"]


def test_one_decision_only(people, versions):
    _, ds, _ = people
    _, second = versions
    _rule(ds, second, "propose_rollback")
    proposal = _breach(second).action_proposal
    actions.action_proposal_confirm(actor=ds, proposal=proposal)
    with pytest.raises(Conflict, match="confirmed already .by ds.: a proposal is decided once"):
        actions.action_proposal_confirm(actor=ds, proposal=proposal)
    with pytest.raises(Conflict, match="decided once"):
        actions.action_proposal_dismiss(actor=ds, proposal=proposal, note="too late")
    assert ActionProposal.objects.get(pk=proposal.pk).status == "confirmed"


def test_dismissing_needs_a_reason_and_leaves_the_model_as_it_is(people, versions):
    _, ds, _ = people
    _, second = versions
    _rule(ds, second, "propose_rollback")
    proposal = _breach(second).action_proposal
    with pytest.raises(ApplicationError, match="note: say why"):
        actions.action_proposal_dismiss(actor=ds, proposal=proposal, note="  ")
    assert ActionProposal.objects.get(pk=proposal.pk).status == "proposed"
    done = actions.action_proposal_dismiss(actor=ds, proposal=proposal, note="A known upstream glitch, fixed.")
    assert (done.status, done.decided_by, done.decision_note) == ("dismissed", ds, "A known upstream glitch, fixed.")
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.PRODUCTION
    assert AuditEvent.objects.get(action="action_proposal.dismissed").reason == "A known upstream glitch, fixed."


def test_people_who_may_not_change_the_model_cannot_decide(people, versions, make_user, units):
    pm, ds, other = people
    _, second = versions
    _rule(ds, second, "propose_rollback")
    proposal = _breach(second).action_proposal
    reviewer = make_user("rb", "review_board", units=(units["RETAIL"],))
    for outsider in (other, pm, reviewer):
        with pytest.raises(NotAllowed, match="You may not change fraud"):
            actions.action_proposal_confirm(actor=outsider, proposal=proposal)
        with pytest.raises(NotAllowed):
            actions.action_proposal_dismiss(actor=outsider, proposal=proposal, note="no")
    assert ActionProposal.objects.get(pk=proposal.pk).status == "proposed"
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.PRODUCTION


def test_a_stale_proposal_is_refused(people, versions):
    _, ds, _ = people
    _, second = versions
    _rule(ds, second, "propose_rollback")
    proposal = _breach(second).action_proposal
    lifecycle.model_version_transition(actor=ds, version=second, to_stage=Stage.SUSPENDED, reason="by hand")
    with pytest.raises(Conflict, match="production version changed since the proposal: v2 is suspended and no version"):
        actions.action_proposal_confirm(actor=ds, proposal=proposal)
    assert ActionProposal.objects.get(pk=proposal.pk).status == "proposed"
    actions.action_proposal_dismiss(actor=ds, proposal=proposal, note="Suspended by hand already.")


def test_without_an_earlier_production_version_the_rollback_is_recorded_as_not_possible(people, units):
    pm, ds, _ = people
    only = version_of(pm=pm, ds=ds, unit=units["RETAIL"])
    _rule(ds, only, "propose_rollback")
    proposal = _breach(only).action_proposal
    assert proposal.status == "not_possible" and "no earlier production version to restore" in proposal.result
    assert "No roll back" in Notification.objects.get(recipient=ds).body
    with pytest.raises(Conflict, match="not possible already"):
        actions.action_proposal_confirm(actor=ds, proposal=proposal)


# --- Suspension ------------------------------------------------------------------------------------------------


def test_a_manual_suspension_waits_for_a_person(people, versions, django_capture_on_commit_callbacks):
    _, ds, _ = people
    _, second = versions
    _rule(ds, second, "suspend")
    proposal = _breach(second, django_capture_on_commit_callbacks).action_proposal
    assert (proposal.kind, proposal.status, proposal.automatic) == ("suspend", "proposed", False)
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.PRODUCTION
    actions.action_proposal_confirm(actor=ds, proposal=proposal, note="Stop it now.")
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.SUSPENDED
    assert StageTransition.objects.get(version=second, to_stage="suspended").actor == ds


def test_an_automatic_suspension_happens_after_the_sync_commits_and_tells_the_serving_platform(
    people, versions, make_user, django_capture_on_commit_callbacks
):
    _, ds, _ = people
    _, second = versions
    admin = make_user("root", "platform_admin")
    hook = Receiver()
    try:
        webhooks.webhook_endpoint_create(
            actor=admin, name="Serving platform", url=hook.url, events=["model.suspended"], secret="shared"
        )
        _rule(ds, second, "suspend", automatic_suspend=True, name="Null-rate circuit breaker")
        with django_capture_on_commit_callbacks(execute=False) as pending:
            alert = _breach(second)
        # Inside the sync's transaction nothing is suspended yet: it happens once the points are stored.
        assert ModelVersion.objects.get(pk=second.pk).stage == Stage.PRODUCTION
        assert ActionProposal.objects.get(alert=alert).status == "proposed"
        with django_capture_on_commit_callbacks(execute=True):
            for callback in pending:
                callback()
        proposal = ActionProposal.objects.get(alert=alert)
        assert (proposal.status, proposal.automatic, proposal.decided_by.username) == (
            "confirmed",
            True,
            SYSTEM_USERNAME,
        )
        assert ModelVersion.objects.get(pk=second.pk).stage == Stage.SUSPENDED
        move = StageTransition.objects.get(version=second, to_stage="suspended")
        assert move.actor.username == SYSTEM_USERNAME and f"Alert #{alert.pk}" in move.reason
        delivery = WebhookDelivery.objects.get(event="model.suspended")
        assert delivery.delivered_at is not None
        payload = json.loads(hook.requests[-1][1])
        assert payload["model_version"] == second.pk and "Null-rate circuit breaker" in payload["text"]
        assert Notification.objects.filter(recipient=ds, subject__startswith="Suspended automatically").exists()
        # Run again (a redelivered task): nothing more happens.
        actions.action_proposal_execute(proposal_id=proposal.pk)
        assert StageTransition.objects.filter(version=second, to_stage="suspended").count() == 1
    finally:
        hook.close()


def test_a_failed_automatic_suspension_is_recorded_and_the_owners_decide(
    people, versions, django_capture_on_commit_callbacks
):
    _, ds, _ = people
    _, second = versions
    _rule(ds, second, "suspend", automatic_suspend=True)
    from core.accounts import system_user

    system_user().__class__.objects.filter(username=SYSTEM_USERNAME).update(is_active=False)  # switched off
    alert = _breach(second, django_capture_on_commit_callbacks)
    proposal = ActionProposal.objects.get(alert=alert)
    assert proposal.status == "failed" and proposal.result.startswith("The automatic suspension failed")
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.PRODUCTION
    assert Alert.objects.filter(pk=alert.pk).exists()  # the points and the alert stay
    assert Notification.objects.filter(recipient=ds, subject__startswith="Automatic suspension failed").exists()


def test_automatic_suspend_only_on_a_suspend_rule(people, versions):
    _, ds, _ = people
    _, second = versions
    with pytest.raises(ApplicationError, match="automatic_suspend: only a rule whose action is"):
        _rule(ds, second, "propose_rollback", automatic_suspend=True)
    assert not AlertRule.objects.exists()


# --- Pages and API ----------------------------------------------------------------------------------------------


def test_the_alert_page_shows_the_proposal_and_buttons_only_to_those_who_decide(client, people, versions):
    pm, ds, _ = people
    first, second = versions
    _rule(ds, second, "propose_rollback")
    alert = _breach(second)
    client.force_login(pm)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "Roll fraud back from v2 to v1" in page and 'data-testid="proposal-confirm-form"' not in page
    client.force_login(ds)
    page = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="proposal-confirm-form"' in page and 'data-testid="proposal-dismiss-form"' in page
    refused = client.post(f"/monitoring/alerts/{alert.pk}/proposal/dismiss/", {"note": ""}, follow=True)
    assert "note: This field is required." in refused.content.decode()
    done = client.post(f"/monitoring/alerts/{alert.pk}/proposal/confirm/", {"note": "bad nulls"}, follow=True)
    body = done.content.decode()
    assert "v2 suspended, v1 restored in production." in body and "Confirmed" in body
    assert 'data-testid="proposal-confirm-form"' not in body
    assert ModelVersion.objects.get(pk=first.pk).stage == Stage.PRODUCTION


def test_the_api_decides_through_the_service_and_takes_no_status_or_decider(
    api, people, versions, make_user, django_assert_max_num_queries
):
    pm, ds, other = people
    _, second = versions
    _rule(ds, second, "suspend")
    alert = _breach(second)
    url = f"/api/v1/alerts/{alert.pk}/proposal/"
    shown = api(pm).get(url).json()
    assert (shown["kind"], shown["status"], shown["version"]) == ("suspend", "proposed", second.pk)
    assert api(pm).post(url + "confirm/", {}, format="json").status_code == 403
    assert api(other).post(url + "dismiss/", {"note": "no"}, format="json").status_code == 403
    assert api(ds).post(url + "dismiss/", {}, format="json").status_code == 400
    hostile = {"note": "Known glitch.", "status": "confirmed", "decided_by": other.pk, "result": "forged"}
    answer = api(ds).post(url + "dismiss/", hostile, format="json")
    assert answer.status_code == 200, answer.json()
    proposal = ActionProposal.objects.get(alert=alert)
    assert (proposal.status, proposal.decided_by, proposal.result) == ("dismissed", ds, "Nothing done: dismissed.")
    again = api(ds).post(url + "confirm/", {}, format="json")
    assert again.status_code == 409 and "decided once" in again.json()["detail"]
    assert ModelVersion.objects.get(pk=second.pk).stage == Stage.PRODUCTION
    # The alert list carries each alert's proposal without a query per alert.
    with django_assert_max_num_queries(12):
        listed = api(ds).get("/api/v1/alerts/").json()["results"]
    assert listed[0]["proposal"]["status"] == "dismissed"


def test_a_rule_without_a_proposal_answers_404_and_the_rule_api_refuses_automatic_without_suspend(
    api, people, versions
):
    _, ds, _ = people
    _, second = versions
    _rule(ds, second, "notify")
    alert = _breach(second)
    assert api(ds).get(f"/api/v1/alerts/{alert.pk}/proposal/").status_code == 404
    body = {
        "name": "Breaker",
        "metric": MetricDefinition.objects.get(name="null_rate").pk,
        "scope_kind": "model",
        "model": second.model_id,
        "condition": "above",
        "threshold": 0.1,
        "action": "retrain",
        "automatic_suspend": True,
    }
    refused = api(ds).post("/api/v1/alert-rules/", body, format="json")
    assert refused.status_code == 400 and "automatic_suspend: only a rule whose action is" in refused.json()["detail"]
    made = api(ds).post("/api/v1/alert-rules/", {**body, "action": "suspend"}, format="json")
    assert made.status_code == 201 and made.json()["automatic_suspend"] is True

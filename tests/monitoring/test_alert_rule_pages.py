"""Alert rules from the pages: list, create, edit, disable and enable, each through a service with its audit
event; a refusal lands next to the field it names and nothing is half-saved."""

import pytest

from audit.models import AuditEvent
from monitoring import services
from monitoring.models import AlertRule, MetricDefinition
from tests.monitoring.factories import version_of


@pytest.fixture
def people(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    admin = make_user("admin", "platform_admin", first_name="Ade", last_name="Mensah")
    return pm, ds, admin


@pytest.fixture
def version(people, units):
    pm, ds, _ = people
    return version_of(pm=pm, ds=ds, unit=units["RETAIL"])


def body(**changes) -> dict:
    data = {
        "name": "PSI drift above 0.2",
        "metric": MetricDefinition.objects.get(name="psi").pk,
        "scope_kind": "model",
        "condition": "above",
        "threshold": "0.2",
        "window": "7",
        "severity": "warning",
        "action": "notify",
    }
    return {**data, **changes}


def test_a_data_scientist_creates_a_rule_on_a_model_of_their_unit(people, version, client):
    _, ds, _ = people
    client.force_login(ds)
    form = client.get("/monitoring/alert-rules/new/")
    assert form.status_code == 200 and "---------" not in form.content.decode()
    response = client.post("/monitoring/alert-rules/new/", body(model=version.model_id))
    assert response.status_code == 302
    rule = AlertRule.objects.get()
    assert (rule.model, rule.business_unit, rule.created_by) == (version.model, None, ds)
    assert "PSI drift above 0.2" in client.get("/monitoring/alert-rules/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({}, "model", "a rule scoped to a model names it"),
        ({"condition": "zscore", "threshold": "-1"}, None, "positive number"),
        ({"action": "notify", "automatic_suspend": "on"}, "automatic_suspend", "only a rule whose action"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_a_bad_rule_is_refused_by_field_and_nothing_is_saved(people, version, client, changes, field, message):
    _, ds, _ = people
    client.force_login(ds)
    data = body(**changes)
    if field != "model":
        data["model"] = version.model_id
    response = client.post("/monitoring/alert-rules/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    shown = " ".join(errors.get(field or "__all__", []) + errors.get("threshold", []))
    assert message in shown
    assert not AlertRule.objects.exists()


def test_an_admin_edits_and_disables_a_rule_with_the_change_audited(people, version, client):
    _, ds, admin = people
    rule = services.alert_rule_create(
        actor=ds,
        name="PSI drift",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=version.model,
        condition="above",
        threshold=0.2,
    )
    client.force_login(admin)
    assert client.get(f"/monitoring/alert-rules/{rule.pk}/edit/").context["form"].initial["threshold"] == 0.2
    response = client.post(
        f"/monitoring/alert-rules/{rule.pk}/edit/",
        body(name="PSI drift above 0.25", threshold="0.25", model=version.model_id, severity="critical"),
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.threshold, rule.severity, rule.name) == (0.25, "critical", "PSI drift above 0.25")
    changed = AuditEvent.objects.get(action="alert_rule.changed", target_id=str(rule.pk))
    assert set(changed.changes) == {"name", "threshold", "severity"}
    client.post(f"/monitoring/alert-rules/{rule.pk}/active/", {"active": "0", "reason": ""})
    assert AlertRule.objects.get(pk=rule.pk).active  # a reason is needed
    client.post(f"/monitoring/alert-rules/{rule.pk}/active/", {"active": "0", "reason": "Noisy during migration."})
    assert not AlertRule.objects.get(pk=rule.pk).active
    assert AuditEvent.objects.filter(action="alert_rule.disabled", target_id=str(rule.pk)).exists()
    client.post(f"/monitoring/alert-rules/{rule.pk}/active/", {"active": "1", "reason": "Migration done."})
    assert AlertRule.objects.get(pk=rule.pk).active


def test_a_bad_edit_changes_nothing(people, version, client):
    _, ds, admin = people
    rule = services.alert_rule_create(
        actor=ds,
        name="PSI drift",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=version.model,
        condition="above",
        threshold=0.2,
    )
    client.force_login(admin)
    response = client.post(f"/monitoring/alert-rules/{rule.pk}/edit/", body(scope_kind="business_unit", threshold="9"))
    assert response.status_code == 400
    assert "business_unit" in response.context["form"].errors
    rule.refresh_from_db()
    assert (rule.scope_kind, rule.threshold, rule.model_id) == ("model", 0.2, version.model_id)


def test_people_without_the_change_permission_cannot_edit_or_disable(people, version, client):
    _, ds, _ = people
    rule = services.alert_rule_create(
        actor=ds,
        name="PSI drift",
        metric=MetricDefinition.objects.get(name="psi"),
        scope_kind="model",
        model=version.model,
        condition="above",
        threshold=0.2,
    )
    client.force_login(ds)
    assert client.get(f"/monitoring/alert-rules/{rule.pk}/edit/").status_code == 404
    assert client.post(f"/monitoring/alert-rules/{rule.pk}/active/", {"active": "0", "reason": "x"}).status_code == 404
    assert AlertRule.objects.get(pk=rule.pk).active

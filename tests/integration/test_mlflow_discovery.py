"""Discovery, alias custody and webhooks against a real MLflow server that the tests fill."""

import time
import uuid

import pytest
import requests
from django.core.cache import cache

from audit.models import AuditEvent
from core.exceptions import ApplicationError
from core.seeding import seeding_bypass
from lifecycle import discovery, services
from lifecycle.choices import Stage
from lifecycle.models import Incident, MlflowProposal, ModelVersion
from lifecycle.tasks import check_production_aliases, model_version_sync_tags
from notifications.models import Notification
from portfolio import services as portfolio
from tests.integration.conftest import mlflow_post, mlflow_registered_version

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(settings, mlflow_server, units, make_user):
    settings.MLFLOW_TRACKING_URI = mlflow_server
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Card fraud", business_unit=units["RETAIL"])
    return ds, use_case


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def _aliases(server: str, name: str) -> dict:
    found = requests.get(f"{server}/api/2.0/mlflow/registered-models/get", params={"name": name}, timeout=30)
    return {a["alias"]: a["version"] for a in found.json()["registered_model"].get("aliases", [])}


def test_discovery_proposes_what_is_not_governed_and_a_person_decides(setup, mlflow_server):
    ds, use_case = setup
    tagged, untagged, governed = _name("tagged"), _name("untagged"), _name("governed")
    mlflow_registered_version(mlflow_server, tagged, model_tags={"lodestar.use_case": use_case.code})
    mlflow_registered_version(mlflow_server, untagged)
    mlflow_registered_version(mlflow_server, governed)
    services.model_version_import(actor=ds, mlflow_name=governed, mlflow_version="1", use_case=use_case)
    mlflow_registered_version(mlflow_server, governed)  # v2 appears in MLflow only

    result = discovery.mlflow_models_discover()
    found = {p.mlflow_name: p for p in MlflowProposal.objects.filter(mlflow_name__in=[tagged, untagged, governed])}
    assert found[tagged].use_case == use_case and found[tagged].kind == "new_model"
    assert found[untagged].use_case is None
    assert found[governed].kind == "new_version" and found[governed].mlflow_version == "2"
    assert Notification.objects.filter(recipient=ds, category="discovery").count() == 1
    assert result.seen >= 3
    assert discovery.mlflow_models_discover().proposed == []  # listing again proposes nothing twice

    version = discovery.proposal_accept(actor=ds, proposal=found[tagged])
    assert version.model.use_case == use_case and version.mlflow_version == "1"
    with pytest.raises(ApplicationError, match="use_case: choose the use case"):
        discovery.proposal_accept(actor=ds, proposal=found[untagged])
    with pytest.raises(ApplicationError, match="reason"):
        discovery.proposal_dismiss(actor=ds, proposal=found[untagged], reason=" ")
    discovery.proposal_dismiss(actor=ds, proposal=found[untagged], reason="A notebook experiment.")
    assert MlflowProposal.objects.get(pk=found[untagged].pk).status == "dismissed"


def test_lodestar_moves_the_production_alias_and_puts_it_back_when_someone_else_does(setup, mlflow_server):
    ds, use_case = setup
    name = _name("alias")
    for _ in range(2):
        mlflow_registered_version(mlflow_server, name)
    first = services.model_version_import(actor=ds, mlflow_name=name, mlflow_version="1", use_case=use_case)
    second = services.model_version_import(actor=ds, mlflow_name=name, mlflow_version="2", use_case=use_case)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=first.pk).update(stage=Stage.PRODUCTION)
    model_version_sync_tags.apply(args=[first.pk], throw=True)
    assert _aliases(mlflow_server, name) == {"production": "1"}

    # Promotion moves it: v1 deprecated, v2 in production; whichever task runs first, it converges.
    with seeding_bypass():
        ModelVersion.objects.filter(pk=first.pk).update(stage=Stage.DEPRECATED)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=second.pk).update(stage=Stage.PRODUCTION)
    model_version_sync_tags.apply(args=[second.pk], throw=True)
    model_version_sync_tags.apply(args=[first.pk], throw=True)
    assert _aliases(mlflow_server, name) == {"production": "2"}

    # Someone moves it by hand in MLflow: Lodestar restores it, opens an incident, audits and tells owners.
    mlflow_post(mlflow_server, "registered-models/alias", {"name": name, "alias": "production", "version": "1"})
    assert check_production_aliases.apply(throw=True).get()["restored"] == [name]
    assert _aliases(mlflow_server, name) == {"production": "2"}
    incident = Incident.objects.get(model=first.model, kind="alias_moved")
    assert "pointed at v1 instead of v2" in incident.description
    assert AuditEvent.objects.filter(action="model.production_alias_restored").count() == 1
    assert Notification.objects.filter(recipient=ds, category="incident").exists()
    assert check_production_aliases.apply(throw=True).get()["restored"] == []


@pytest.mark.django_db(transaction=True)
def test_a_signed_mlflow_webhook_brings_a_new_version_at_once(setup, mlflow_server, live_server, settings):
    settings.MLFLOW_WEBHOOK_SECRET = "s3cret-shared-with-mlflow"
    cache.clear()
    hook = {
        "name": _name("lodestar"),
        "url": f"{live_server.url}/api/v1/hooks/mlflow/",
        "events": [{"entity": "MODEL_VERSION", "action": "CREATED"}],
        "secret": settings.MLFLOW_WEBHOOK_SECRET,
    }
    webhook = mlflow_post(mlflow_server, "webhooks", hook)["webhook"]
    name = _name("hooked")
    time.sleep(1.5)  # MLflow caches its webhook list (1 s here): let it see the new one
    try:
        mlflow_registered_version(mlflow_server, name)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not MlflowProposal.objects.filter(mlflow_name=name).exists():
            time.sleep(0.25)
    finally:
        requests.delete(f"{mlflow_server}/api/2.0/mlflow/webhooks/{webhook['webhook_id']}", timeout=30)
    assert MlflowProposal.objects.filter(mlflow_name=name, mlflow_version="1").exists()


def test_unsigned_or_forged_webhooks_are_refused(setup, client, settings):
    settings.MLFLOW_WEBHOOK_SECRET = "s3cret"
    body = b'{"entity": "model_version", "action": "created", "data": {"name": "x"}}'
    now = str(int(time.time()))
    plain = client.post("/api/v1/hooks/mlflow/", body, content_type="application/json")
    forged = client.post(
        "/api/v1/hooks/mlflow/",
        body,
        content_type="application/json",
        headers={"X-MLflow-Delivery-Id": "d1", "X-MLflow-Timestamp": now, "X-MLflow-Signature": "v1,AAAA"},
    )
    assert plain.status_code == forged.status_code == 401
    assert "invalid MLflow signature" in forged.json()["detail"]
    assert not MlflowProposal.objects.exists()


def test_the_register_page_registers_from_mlflow_and_says_what_was_wrong(setup, mlflow_server, client):
    ds, use_case = setup
    name = _name("paged")
    mlflow_registered_version(mlflow_server, name)
    client.force_login(ds)
    wrong = client.post("/lifecycle/register/", {"use_case": use_case.pk, "mlflow_name": name, "mlflow_version": "7"})
    assert wrong.status_code == 200 and f"MLflow has no version 7 of a registered model called “{name}”" in (
        wrong.content.decode()
    )
    done = client.post("/lifecycle/register/", {"use_case": use_case.pk, "mlflow_name": name, "mlflow_version": "1"})
    version = ModelVersion.objects.get(model__mlflow_name=name)
    assert done.url == f"/lifecycle/models/{version.model_id}/"
    MlflowProposal.objects.create(mlflow_name=name, mlflow_version="2", kind="new_version", use_case=use_case)
    page = client.get("/lifecycle/proposals/").content.decode()
    assert f"{name} v2" in page

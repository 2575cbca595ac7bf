"""The data scientist's pages: a version's page with its checklist, linking data with its exact revision,
registering and editing datasets, recording a deployment, consumers and people; and the inventory search."""

import pytest

from audit.models import AuditEvent
from governance.digest import content_digest
from lifecycle import datasets, selectors, services
from lifecycle.choices import Stage
from lifecycle.models import Dataset, Deployment, DownstreamConsumer, VersionDataset
from portfolio import services as portfolio
from portfolio.models import UseCaseRaci
from tests.governance.helpers import approve_assessment

SIGNATURE = {"inputs": "[amount]"}


@pytest.fixture
def world(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],), first_name="Paula", last_name="Martin")
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],), first_name="Dana", last_name="Silva")
    use_case = portfolio.use_case_create(actor=pm, title="Card fraud detection", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud-scorer", use_case=use_case, mlflow_name="retail.fraud")
    version = services.model_version_register(actor=ds, model=model, version="1", signature=SIGNATURE)
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    training = datasets.dataset_register(actor=ds, name="retail.card_transactions", business_unit=units["RETAIL"])
    return pm, ds, use_case, model, version, training


# --- Inventory search --------------------------------------------------------------------------------


def test_the_inventory_search_finds_models_by_name_mlflow_name_and_use_case(world, client):
    pm, ds, use_case, model, *_ = world
    client.force_login(ds)
    for query in ("fraud", "retail.fraud", use_case.code, use_case.code.lower(), "card fraud", "Detection"):
        response = client.get("/lifecycle/models/", {"q": query})
        assert response.status_code == 200, query
        assert "fraud-scorer" in response.content.decode(), query
    response = client.get("/lifecycle/models/", {"q": "credit"})
    assert response.status_code == 200 and "fraud-scorer" not in response.content.decode()


# --- Data with its revision, part of the digest --------------------------------------------------------


def test_linking_data_and_changing_its_revision_changes_the_digest(world):
    pm, ds, use_case, model, version, training = world
    registered, governed = version.digest, content_digest(version)
    datasets.version_dataset_link(actor=ds, version=version, dataset=training, role="training", revision="dvc:a1b2c3")
    version.refresh_from_db()
    first = version.digest
    assert first != registered and content_digest(version) != governed
    datasets.version_dataset_link(
        actor=ds, version=version, dataset=training, role="training", revision="dvc:d4e5f6", content_hash="ab" * 32
    )
    version.refresh_from_db()
    assert version.digest not in (registered, first)
    assert VersionDataset.objects.get(version=version).revision == "dvc:d4e5f6"
    changed = AuditEvent.objects.filter(action="model_version.dataset_revision_changed").latest("id")
    assert changed.changes["revision"] == ["dvc:a1b2c3", "dvc:d4e5f6"]
    # The same revision again changes nothing.
    datasets.version_dataset_link(
        actor=ds, version=version, dataset=training, role="training", revision="dvc:d4e5f6", content_hash="ab" * 32
    )
    version.refresh_from_db()
    assert AuditEvent.objects.filter(action__startswith="model_version.dataset_").count() == 2


def test_the_link_data_page_links_with_a_revision_and_says_what_is_missing(world, client):
    pm, ds, use_case, model, version, training = world
    client.force_login(ds)
    page = client.get(f"/lifecycle/versions/{version.pk}/data/").content.decode()
    assert "Data revision" in page and "---------" not in page
    refused = client.post(f"/lifecycle/versions/{version.pk}/data/", {"dataset": training.pk, "role": "training"})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert not VersionDataset.objects.exists()
    bad_hash = client.post(
        f"/lifecycle/versions/{version.pk}/data/",
        {"dataset": training.pk, "role": "training", "revision": "dvc:1", "content_hash": "not-hex"},
    )
    assert "hexadecimal" in bad_hash.content.decode() and not VersionDataset.objects.exists()
    done = client.post(
        f"/lifecycle/versions/{version.pk}/data/",
        {"dataset": training.pk, "role": "validation", "revision": "lakefs://risk/main@7f3a"},
        follow=True,
    )
    assert "linked as validation data at lakefs://risk/main@7f3a" in done.content.decode()
    assert VersionDataset.objects.get(version=version).role == "validation"


def test_registering_personal_data_needs_a_lawful_basis_and_nothing_is_half_saved(world, client, units):
    pm, ds, use_case, model, version, training = world
    client.force_login(ds)
    form = {
        "step": "register",
        "new-name": "retail.customers",
        "new-source_system": "Snowflake",
        "new-version_uri": "s3://lake/customers/",
        "new-steward": ds.pk,
        "new-business_unit": units["RETAIL"].pk,
        "new-sensitivity": "confidential",
        "new-personal_data": "on",
        "new-treatment": "pseudonymised",
        "new-retention_days": "365",
    }
    refused = client.post(f"/lifecycle/versions/{version.pk}/data/", form)
    assert refused.status_code == 400
    assert "personal data needs the lawful basis" in refused.content.decode()
    assert not Dataset.objects.filter(name="retail.customers").exists()
    page = client.get(f"/lifecycle/versions/{version.pk}/data/").content.decode()
    assert "Dana Silva" in page  # owners by their full names
    response = client.post(f"/lifecycle/versions/{version.pk}/data/", {**form, "new-lawful_basis": "contract"})
    dataset = Dataset.objects.get(name="retail.customers")
    assert response.status_code == 302 and response["Location"].endswith(f"?dataset={dataset.pk}")
    assert (dataset.personal_data, dataset.lawful_basis, dataset.treatment) == (True, "contract", "pseudonymised")


def test_a_dataset_is_edited_on_its_own_page_and_audited(world, client):
    pm, ds, use_case, model, version, training = world
    client.force_login(ds)
    assert "Edit details" in client.get(f"/lifecycle/datasets/{training.pk}/").content.decode()
    form = client.get(f"/lifecycle/datasets/{training.pk}/edit/").content.decode()
    assert "Lawful basis" in form and "---------" not in form
    refused = client.post(
        f"/lifecycle/datasets/{training.pk}/edit/", {"sensitivity": "internal", "lawful_basis": "consent"}
    )
    assert refused.status_code == 400 and "apply to personal data only" in refused.content.decode()
    client.post(
        f"/lifecycle/datasets/{training.pk}/edit/",
        {"sensitivity": "confidential", "source_system": "Kafka", "retention_days": "730"},
    )
    training.refresh_from_db()
    assert (training.source_system, training.retention_days) == ("Kafka", 730)
    event = AuditEvent.objects.filter(action="dataset.updated").latest("id")
    assert event.changes["source_system"][1] == "Kafka"


def test_personal_data_without_a_lawful_basis_holds_the_version_before_review(world):
    pm, ds, use_case, model, version, training = world
    Dataset.objects.filter(pk=training.pk).update(personal_data=True)  # recorded before the rule existed
    datasets.version_dataset_link(actor=ds, version=version, dataset=training, role="training", revision="r1")
    assert "no lawful basis" in datasets.datasets_ready(version)


# --- Deployment -------------------------------------------------------------------------------------------

DEPLOYMENT = {
    "environment": "production",
    "target_platform": "Kubernetes (EKS)",
    "regions": "eu-west-1, eu-central-1",
    "strategy": "canary",
    "traffic_percent": "10",
    "serving_type": "dedicated",
    "replicas": "3",
    "min_replicas": "2",
    "max_replicas": "8",
    "gateway": "Kong",
    "authentication": "mTLS",
    "image_digest": "sha256:" + "c" * 64,
    "inference_log_destination": "s3://inference-logs/fraud/",
    "inference_log_retention_days": "180",
}


def test_recording_a_deployment_in_the_browser_opens_the_production_gate(world, client):
    pm, ds, use_case, model, version, training = world
    client.force_login(ds)
    url = f"/lifecycle/versions/{version.pk}/deployment/"
    assert "Autoscaling minimum" in client.get(url).content.decode()
    refused = client.post(url, {**DEPLOYMENT, "min_replicas": "9"})
    assert refused.status_code == 400 and "below the minimum" in refused.content.decode()
    refused = client.post(url, {**DEPLOYMENT, "inference_log_retention_days": ""})
    assert "how long the inference logs are kept" in refused.content.decode()
    assert not Deployment.objects.exists()
    response = client.post(url, DEPLOYMENT, follow=True)
    assert "Production deployment on Kubernetes (EKS) recorded" in response.content.decode()
    deployment = Deployment.objects.get(version=version)
    assert deployment.regions == ["eu-central-1", "eu-west-1"] and (
        deployment.min_replicas,
        deployment.max_replicas,
    ) == (2, 8)
    from lifecycle import gates

    assert gates.has_production_deployment(version) is None


def test_a_deployment_runs_the_image_the_version_was_built_as(world):
    pm, ds, use_case, model, version, training = world
    built = services.model_version_register(actor=ds, model=model, version="2", image_digest="sha256:" + "a" * 64)
    with pytest.raises(services.ApplicationError, match="image_digest"):
        services.deployment_record(actor=ds, version=built, environment="production", image_digest="sha256:" + "b" * 64)
    assert not Deployment.objects.exists()


# --- The checklist and refusals -------------------------------------------------------------------------


def test_the_checklist_lists_every_gate_ahead_with_its_state_and_fix(world, client):
    pm, ds, use_case, model, version, training = world
    checklist = selectors.gate_checklist(version, ds)
    assert checklist.next_stage == "Pending approval"
    assert [stage for stage, _ in checklist.stages] == ["Pending approval", "Approved", "Production"]
    by_gate = {(i.stage, i.gate): i for i in checklist.items}
    data = by_gate[("Pending approval", "datasets recorded")]
    assert data.state == "failed" and data.fix_url == f"/lifecycle/versions/{version.pk}/data/"
    deployment = by_gate[("Production", "production deployment recorded")]
    assert deployment.fix_url == f"/lifecycle/versions/{version.pk}/deployment/" and deployment.fix_label
    assert by_gate[("Production", "not worse than production")].state == "not applicable"
    # The review comes first on this road: the emergency-only gate does not count against the version yet.
    assert by_gate[("Production", "approved before production")].state == "not applicable"
    datasets.version_dataset_link(actor=ds, version=version, dataset=training, role="training", revision="r1")
    assert {(i.gate, i.state) for i in selectors.gate_checklist(version, ds).items} >= {("datasets recorded", "passed")}
    client.force_login(ds)
    page = client.get(f"/lifecycle/versions/{version.pk}/").content.decode()
    assert "What stands before production" in page and "Record deployment" in page


def test_the_checklist_shows_the_value_beside_each_threshold(world):
    pm, ds, use_case, model, version, training = world
    approve_assessment(use_case)
    from governance.services.policies import current_policy

    policy = current_policy(use_case.refresh_from_db() or use_case.risk_tier)
    snapshot = {**policy.snapshot(), "metric_thresholds": [{"metric": "auc", "operator": ">=", "value": 0.7}]}
    from governance.models import Review

    Review.objects.create(version=version, policy=policy, policy_snapshot=snapshot, status="open")
    version.metrics = {"auc": 0.74}
    version.save(update_fields=["metrics"])
    item = next(i for i in selectors.gate_checklist(version, ds).items if i.gate == "metric thresholds met")
    assert [m.text for m in item.measures] == ["auc 0.74 ≥ 0.7"] and item.measures[0].passed


def test_a_refused_move_names_each_gate_and_links_to_its_fix(world, client):
    pm, ds, use_case, model, version, training = world
    client.force_login(ds)
    response = client.post(
        f"/lifecycle/versions/{version.pk}/transition/",
        {"to": "pending_approval", "reason": "ready", "back": "version"},
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/lifecycle/versions/{version.pk}/"
    assert "<strong>datasets recorded</strong>" in page
    assert f'<a href="/lifecycle/versions/{version.pk}/data/">Link data →</a>' in page


# --- Consumers and people -------------------------------------------------------------------------------


def test_consumers_are_added_and_removed_with_a_reason(world, client):
    pm, ds, use_case, model, version, training = world
    client.force_login(ds)
    url = f"/lifecycle/models/{model.pk}/people/"
    page = client.get(url).content.decode()
    assert "Add a consumer" in page and "---------" not in page
    refused = client.post(url, {"step": "consumer_add", "system": "card-auth", "criticality": "high"})
    assert refused.status_code == 400 and "give a contact person or an email" in refused.content.decode()
    client.post(url, {"step": "consumer_add", "system": "card-auth", "criticality": "high", "contact": pm.pk})
    consumer = DownstreamConsumer.objects.get(model=model)
    assert "Paula Martin" in client.get(url).content.decode()
    client.post(url, {"step": "consumer_remove", "consumer": consumer.pk, "reason": ""}, follow=True)
    assert DownstreamConsumer.objects.filter(pk=consumer.pk).exists()  # a reason is required
    client.post(url, {"step": "consumer_remove", "consumer": consumer.pk, "reason": "Moved to the new scorer."})
    assert not DownstreamConsumer.objects.exists()
    removed = AuditEvent.objects.get(action="model.consumer_removed")
    assert removed.reason == "Moved to the new scorer." and removed.changes["system"][0] == "card-auth"


def test_raci_entries_are_added_and_removed_and_change_actions_marked_done(world, client):
    from datetime import date

    pm, ds, use_case, model, version, training = world
    action = portfolio.change_action_add(
        actor=pm,
        use_case=use_case,
        kind="communication",
        description="Tell the analysts",
        owner=pm,
        due_date=date(2027, 1, 31),
    )
    url = f"/lifecycle/models/{model.pk}/people/"
    client.force_login(ds)
    assert "Mark done" not in client.get(url).content.decode()  # the use case's people decide
    client.force_login(pm)
    client.post(url, {"step": "raci_add", "person": ds.pk, "role": "R"})
    entry = UseCaseRaci.objects.get(use_case=use_case, person=ds)
    assert "Dana Silva" in client.get(url).content.decode()
    client.post(url, {"step": "raci_remove", "entry": entry.pk})
    assert not UseCaseRaci.objects.filter(pk=entry.pk).exists()
    client.post(url, {"step": "change_done", "action": action.pk})
    action.refresh_from_db()
    assert action.done


def test_a_dataset_cannot_be_moved_to_a_unit_its_editor_is_not_in(world, client, units):
    pm, ds, use_case, model, version, training = world
    client.force_login(ds)
    refused = client.post(
        f"/lifecycle/datasets/{training.pk}/edit/", {"sensitivity": "internal", "business_unit": units["CORP"].pk}
    )
    training.refresh_from_db()
    assert training.business_unit == units["RETAIL"]
    assert refused.status_code == 400 and "not a member" in refused.content.decode()

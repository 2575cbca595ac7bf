"""The dataset and deployment fields the pages take are in the API too, read and written through the same
services, from one field list per resource; bad input answers 400 naming the field, with nothing saved."""

import pytest

from lifecycle import datasets, services
from lifecycle.api.serializers import DatasetSerializer, DeploymentSerializer
from lifecycle.choices import Stage
from lifecycle.forms import DatasetForm, DeploymentForm
from lifecycle.models import Dataset, Deployment, VersionDataset
from portfolio import services as portfolio


@pytest.fixture
def world(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Card fraud", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud-scorer", use_case=use_case)
    version = services.model_version_register(
        actor=ds, model=model, version="1", signature={"inputs": "[amount]"}, image_digest="sha256:" + "a" * 64
    )
    return ds, version


def _writable(serializer) -> set[str]:
    return {name for name, field in serializer().fields.items() if not field.read_only}


def test_the_form_and_the_serializer_take_the_fields_of_one_list():
    assert set(DeploymentForm.base_fields) == set(services.DEPLOYMENT_FIELDS)
    assert _writable(DeploymentSerializer) == {"version", "runtime", *services.DEPLOYMENT_FIELDS}
    assert set(DatasetForm.base_fields) <= {"name", *datasets.DATASET_FIELDS}
    assert _writable(DatasetSerializer) == {"name", "columns", *datasets.DATASET_FIELDS}


RUNTIME = {
    "environment": "production",
    "target_platform": "Kubernetes (EKS)",
    "regions": ["eu-west-1", "eu-central-1"],
    "replicas": 3,
    "min_replicas": 2,
    "max_replicas": 6,
    "gateway": "Kong",
    "authentication": "mTLS",
    "image_digest": "sha256:" + "a" * 64,
    "inference_log_destination": "s3://inference-logs/fraud/",
    "inference_log_retention_days": 400,
}


def test_a_deployment_is_recorded_and_read_with_its_runtime_through_the_api(world, api):
    ds, version = world
    client = api(ds)
    created = client.post("/api/v1/deployments/", {"version": version.pk, **RUNTIME}, format="json")
    assert created.status_code == 201, created.json()
    body = client.get(f"/api/v1/deployments/{created.json()['id']}/").json()
    assert {key: body[key] for key in RUNTIME} == {**RUNTIME, "regions": ["eu-central-1", "eu-west-1"]}
    assert body["status"] == "planned"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"min_replicas": 5, "max_replicas": 2}, "max_replicas"),
        ({"replicas": 9}, "replicas"),
        ({"inference_log_retention_days": None}, "inference_log_retention_days"),
        ({"image_digest": "sha256:" + "b" * 64}, "image_digest"),
        ({"regions": "eu-west-1"}, "regions"),
        ({"replicas": -1}, "replicas"),
    ],
)
def test_bad_runtime_input_is_refused_naming_the_field_and_nothing_is_saved(world, api, change, field):
    ds, version = world
    refused = api(ds).post("/api/v1/deployments/", {"version": version.pk, **RUNTIME, **change}, format="json")
    assert refused.status_code == 400
    assert field in str(refused.json())
    assert not Deployment.objects.exists()


def test_the_status_is_not_set_by_hand(world, api):
    ds, version = world
    created = api(ds).post(
        "/api/v1/deployments/", {"version": version.pk, **RUNTIME, "status": "active"}, format="json"
    )
    assert created.status_code == 201 and created.json()["status"] == "planned"


def test_a_dataset_takes_its_privacy_fields_through_the_api_and_refuses_a_basis_without_personal_data(
    world, api, units
):
    ds, version = world
    client = api(ds)
    refused = client.post(
        "/api/v1/datasets/",
        {"name": "retail.customers", "business_unit": units["RETAIL"].pk, "personal_data": True},
        format="json",
    )
    assert refused.status_code == 400 and "lawful_basis" in str(refused.json())
    assert not Dataset.objects.filter(name="retail.customers").exists()
    created = client.post(
        "/api/v1/datasets/",
        {
            "name": "retail.customers",
            "business_unit": units["RETAIL"].pk,
            "personal_data": True,
            "lawful_basis": "contract",
            "treatment": "pseudonymised",
            "retention_days": 365,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["lawful_basis"], created.json()["treatment"]) == ("contract", "pseudonymised")
    pk = created.json()["id"]
    bad = client.patch(f"/api/v1/datasets/{pk}/", {"personal_data": False}, format="json")
    assert bad.status_code == 400 and "personal_data" in str(bad.json())
    assert Dataset.objects.get(pk=pk).personal_data is True
    renamed = client.patch(f"/api/v1/datasets/{pk}/", {"name": "other"}, format="json")
    assert renamed.status_code == 400 and "name" in str(renamed.json())
    changed = client.patch(f"/api/v1/datasets/{pk}/", {"retention_days": 730}, format="json")
    assert changed.status_code == 200 and changed.json()["retention_days"] == 730
    assert Dataset.objects.get(pk=pk).retention_days == 730


def test_a_version_links_data_with_its_revision_and_hash_through_the_api(world, api):
    ds, version = world
    services.model_version_transition(actor=ds, version=version, to_stage=Stage.IN_VALIDATION)
    dataset = datasets.dataset_register(actor=ds, name="retail.card_transactions")
    client = api(ds)
    bad = client.post(
        f"/api/v1/model-versions/{version.pk}/datasets/",
        {"dataset": dataset.pk, "role": "training", "revision": "dvc:1", "content_hash": "not-hex"},
        format="json",
    )
    assert bad.status_code == 400 and "content_hash" in str(bad.json())
    assert not VersionDataset.objects.exists()
    digest = version.digest
    linked = client.post(
        f"/api/v1/model-versions/{version.pk}/datasets/",
        {"dataset": dataset.pk, "role": "training", "revision": "dvc:1a2b", "content_hash": "ab" * 32},
        format="json",
    )
    assert linked.status_code == 201 and linked.json()["revision"] == "dvc:1a2b"
    version.refresh_from_db()
    assert version.digest != digest

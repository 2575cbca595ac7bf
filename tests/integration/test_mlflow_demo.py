"""The demo's MLflow half against a real server: models logged and registered through the services."""

import pytest

from dashboards import demo, mlflow_demo
from lifecycle.models import AIModel, Deployment, FreezeWindow, MlflowProposal, ModelVersion
from monitoring.models import Budget

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_the_mlflow_demo_registers_models_in_many_stages_and_leaves_some_for_discovery(settings, mlflow_server):
    settings.MLFLOW_TRACKING_URI = mlflow_server
    demo.seed()
    counts = mlflow_demo.seed(per_use_case=2, leave_ungoverned=2)
    linked = AIModel.objects.exclude(mlflow_name="")
    assert counts["models"] == linked.count() > 10
    assert not ModelVersion.objects.filter(model__in=linked, mlflow_run_id="").exists()
    stages = set(ModelVersion.objects.filter(model__in=linked).values_list("stage", flat=True))
    assert {"in_validation", "pending_approval", "staging", "production", "deprecated", "suspended"} <= stages
    assert set(Deployment.objects.filter(environment="production").values_list("strategy", flat=True)) >= {
        "canary",
        "shadow",
    }
    assert FreezeWindow.objects.count() == 1
    assert MlflowProposal.objects.filter(status="proposed").count() == 2
    # Every model serving production has a monthly budget; one was set before its spend climbed.
    budgets = Budget.objects.filter(model__in=linked)
    assert budgets.count() >= 2 and budgets.filter(note__startswith="Set before").count() == 1
    assert mlflow_demo.seed() == {"skipped": True}

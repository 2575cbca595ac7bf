"""Background work of the lifecycle: governance state written back to MLflow."""

import logging

from celery import shared_task

from core import mlflow_client
from core.tasks import TRANSIENT_ERRORS

logger = logging.getLogger("lodestar.lifecycle")


@shared_task(
    name="lifecycle.model_version_sync_tags",
    autoretry_for=(*TRANSIENT_ERRORS, mlflow_client.MlflowUnavailable),
    retry_backoff=10,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=12,
    time_limit=120,
    soft_time_limit=100,
)
def model_version_sync_tags(version_id: int) -> dict:
    """Write lodestar.stage, lodestar.risk_tier and lodestar.approved on the MLflow version, so deployment
    pipelines can check them. Idempotent; retried with backoff while MLflow is down."""
    from lifecycle.models import ModelVersion
    from lifecycle.services import governance_tags

    version = ModelVersion.objects.select_related("model__use_case").get(pk=version_id)
    if not (version.model.mlflow_name and version.mlflow_version):
        return {"skipped": "not linked to MLflow"}
    tags = governance_tags(version)
    try:
        mlflow_client.set_model_version_tags(version.model.mlflow_name, version.mlflow_version, tags)
    except mlflow_client.MlflowNotFound:
        logger.warning(
            "MLflow no longer has %s v%s; tags not written", version.model.mlflow_name, version.mlflow_version
        )
        return {"skipped": "version missing in MLflow"}
    return tags

"""Background work of the lifecycle: governance state written back to MLflow."""

import logging

from celery import shared_task

from core.tasks import TRANSIENT_ERRORS, LodestarTask
from lifecycle import discovery, mlflow_client

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
        # Lodestar alone moves the `production` alias: to whatever the stage machine holds now.
        alias = discovery.production_alias_sync(version.model)
    except mlflow_client.MlflowNotFound:
        logger.warning(
            "MLflow no longer has %s v%s; tags not written", version.model.mlflow_name, version.mlflow_version
        )
        return {"skipped": "version missing in MLflow"}
    return {**tags, "production_alias": alias}


@shared_task(name="lifecycle.discover_mlflow_models", base=LodestarTask, time_limit=600, soft_time_limit=570)
def discover_mlflow_models(name: str | None = None) -> dict:
    """Propose registered models (or new versions) found in MLflow that Lodestar does not govern yet."""
    try:
        result = discovery.mlflow_models_discover(name=name)
    except (mlflow_client.MlflowUnavailable, mlflow_client.MlflowNotFound) as exc:
        logger.warning("MLflow discovery skipped: %s", exc)
        return {"skipped": str(exc)}
    return {"seen": result.seen, "proposed": result.proposed}


@shared_task(name="lifecycle.check_production_aliases", base=LodestarTask, time_limit=600, soft_time_limit=570)
def check_production_aliases() -> dict:
    """Put back any `production` alias moved outside Lodestar (each one opens an incident)."""
    from lifecycle.models import AIModel

    restored, errors = [], 0
    for model in AIModel.objects.exclude(mlflow_name="").filter(versions__mlflow_version__gt="").distinct():
        try:
            if discovery.production_alias_custody(model):
                restored.append(model.name)
        except (mlflow_client.MlflowUnavailable, mlflow_client.MlflowNotFound) as exc:
            errors += 1
            logger.warning("Alias custody of %s skipped: %s", model, exc)
    return {"restored": restored, "errors": errors}

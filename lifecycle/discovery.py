"""Finding in MLflow what Lodestar does not govern yet, and keeping the `production` alias where the
stage machine says it is.

Discovery proposes; a person decides. A registered model tagged `lodestar.use_case=UC-042` is proposed
for that use case. MLflow webhooks make a new version known at once; the periodic discovery is the
fallback that catches whatever a webhook missed.
"""

import base64
import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import require
from lifecycle import mlflow_client, services
from lifecycle.choices import Stage
from lifecycle.models import AIModel, Incident, MlflowProposal, ModelVersion
from notifications.services import notify
from portfolio.models import UseCase

logger = logging.getLogger("lodestar.lifecycle")
USE_CASE_TAG = "lodestar.use_case"
PRODUCTION_ALIAS = "production"
_CODE = re.compile(r"^UC-(\d+)$", re.IGNORECASE)


@dataclass
class DiscoveryResult:
    seen: int = 0
    proposed: list[str] = field(default_factory=list)


def _use_case_for(tag: str | None) -> UseCase | None:
    match = _CODE.match((tag or "").strip())
    return UseCase.objects.filter(number=int(match.group(1))).first() if match else None


def propose(found: dict) -> MlflowProposal | None:
    """One registered model as MLflow lists it: propose it, or its newest version, when not governed."""
    version = found.get("latest_version")
    if not version:
        return None
    governed = AIModel.objects.filter(mlflow_name=found["name"]).first()
    if governed and governed.versions.filter(mlflow_version=version).exists():
        return None
    tag = (found.get("tags") or {}).get(USE_CASE_TAG, "") or ""
    proposal, created = MlflowProposal.objects.get_or_create(
        mlflow_name=found["name"],
        mlflow_version=version,
        defaults={
            "kind": MlflowProposal.Kind.NEW_VERSION if governed else MlflowProposal.Kind.NEW_MODEL,
            "description": found.get("description", ""),
            "use_case": governed.use_case if governed else _use_case_for(tag),
            "use_case_tag": tag[:50],
        },
    )
    if created:
        audit.record(
            actor=None,
            action="mlflow.proposal_found",
            target=proposal,
            after={"kind": proposal.kind, "use_case_tag": proposal.use_case_tag},
        )
        if governed:
            notify(
                recipients=governed.owners.all(),
                subject=f"MLflow has {proposal} of {governed}, not yet registered in Lodestar",
                url=reverse("lifecycle:proposal_list"),
                category="discovery",
                about=proposal,
            )
    return proposal if created else None


def mlflow_models_discover(*, name: str | None = None) -> DiscoveryResult:
    """List registered models in MLflow (or one, after a webhook) and propose what is not governed."""
    listing = [mlflow_client.get_registered_model(name)] if name else mlflow_client.search_registered_models()
    result = DiscoveryResult()
    for found in listing:
        result.seen += 1
        with transaction.atomic():
            proposal = propose(found)
        if proposal:
            result.proposed.append(str(proposal))
    return result


def proposal_accept(*, actor, proposal: MlflowProposal, use_case: UseCase | None = None) -> ModelVersion:
    """Register the proposed version from MLflow (reading it afresh), for the proposal's use case or the one given."""
    if not actor.has_perm("lifecycle.register_model"):
        raise NotAllowed("Only data scientists register models from MLflow.")
    use_case = use_case or proposal.use_case
    if use_case is None:
        raise ApplicationError(
            "use_case: choose the use case this model serves (MLflow had no lodestar.use_case tag).",
            details={"use_case": ["Required."]},
        )
    require(actor, "view", use_case)
    if proposal.status != MlflowProposal.Status.PROPOSED:
        raise Conflict(f"{proposal} was already {proposal.get_status_display().lower()}.")
    version = services.model_version_import(
        actor=actor, mlflow_name=proposal.mlflow_name, mlflow_version=proposal.mlflow_version, use_case=use_case
    )
    _decide(actor, proposal, MlflowProposal.Status.ACCEPTED, note=f"Registered as {version}.")
    return version


def proposal_dismiss(*, actor, proposal: MlflowProposal, reason: str) -> MlflowProposal:
    if not actor.has_perm("lifecycle.register_model"):
        raise NotAllowed("Only data scientists decide on MLflow proposals.")
    reason = require_text(reason, field="reason", hint="say why Lodestar will not govern it (e.g. an experiment).")
    if proposal.status != MlflowProposal.Status.PROPOSED:
        raise Conflict(f"{proposal} was already {proposal.get_status_display().lower()}.")
    return _decide(actor, proposal, MlflowProposal.Status.DISMISSED, note=reason)


@transaction.atomic
def _decide(actor, proposal: MlflowProposal, status: str, note: str) -> MlflowProposal:
    proposal = MlflowProposal.objects.select_for_update().get(pk=proposal.pk)
    proposal.status, proposal.decided_by, proposal.decided_at, proposal.note = status, actor, timezone.now(), note
    proposal.save()
    audit.record(actor=actor, action=f"mlflow.proposal_{status}", target=proposal, after={"note": note})
    return proposal


# --- Alias custody ---------------------------------------------------------------------------------------


def desired_production_version(model: AIModel) -> str | None:
    """The MLflow version the `production` alias must point at: Lodestar's production version, if linked."""
    current = model.versions.filter(stage=Stage.PRODUCTION).exclude(mlflow_version="").first()
    return current.mlflow_version if current else None


def production_alias_sync(model: AIModel) -> str | None:
    """Make the alias match the stage machine (idempotent, convergent whatever order tasks run in)."""
    desired = desired_production_version(model)
    if desired:
        mlflow_client.set_alias(model.mlflow_name, PRODUCTION_ALIAS, desired)
    else:
        try:
            mlflow_client.delete_alias(model.mlflow_name, PRODUCTION_ALIAS)
        except mlflow_client.MlflowNotFound:
            pass  # no alias: already as wanted
    return desired


def production_alias_custody(model: AIModel) -> bool:
    """If someone moved the alias in MLflow, put it back, open an incident, audit it and tell the owners.
    Returns whether it had to be put back."""
    desired = desired_production_version(model)
    actual = mlflow_client.get_registered_model(model.mlflow_name)["aliases"].get(PRODUCTION_ALIAS)
    if actual == desired:
        return False
    production_alias_sync(model)
    with transaction.atomic():
        description = (
            f"The MLflow alias “{PRODUCTION_ALIAS}” pointed at {f'v{actual}' if actual else 'nothing'} instead of "
            f"{f'v{desired}' if desired else 'no version'}; Lodestar put it back. Deployments that read the alias "
            "in between may have served an unapproved version."
        )
        incident = Incident.objects.create(model=model, kind="alias_moved", description=description)
        audit.record(
            actor=None,
            action="model.production_alias_restored",
            target=model,
            before={"alias": actual},
            after={"alias": desired, "incident": incident.pk},
        )
        notify(
            recipients=model.owners.all(),
            subject=f"The production alias of {model} was moved outside Lodestar",
            body=description,
            url=reverse("lifecycle:model_detail", args=[model.pk]),
            category="incident",
            about=model,
        )
    return True


# --- Webhooks --------------------------------------------------------------------------------------------

MAX_WEBHOOK_AGE_SECONDS = 300


def webhook_signature_valid(*, body: bytes, delivery_id: str, timestamp: str, signature: str) -> bool:
    """MLflow signs `delivery_id.timestamp.payload` with HMAC-SHA256 (header `v1,<base64>`). A stale
    timestamp is refused too, so a captured delivery cannot be replayed later."""
    secret = settings.MLFLOW_WEBHOOK_SECRET
    if not secret or not (delivery_id and timestamp.isdigit() and signature.startswith("v1,")):
        return False
    if abs(time.time() - int(timestamp)) > MAX_WEBHOOK_AGE_SECONDS:
        return False
    content = f"{delivery_id}.{timestamp}.{body.decode('utf-8', 'replace')}".encode()
    expected = base64.b64encode(hmac.new(secret.encode(), content, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature[3:])

"""Registering models and versions, from MLflow or by hand, and moving versions through the stage machine."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, ServiceUnavailable, require_text
from core.permissions import can, require, require_model_perm
from lifecycle import gates, mlflow_client
from lifecycle.choices import NEXT_STAGES, Stage
from lifecycle.models import (
    AIModel,
    Deployment,
    EmergencyApproval,
    FreezeWindow,
    Incident,
    ModelVersion,
    StageTransition,
)
from notifications.services import notify
from portfolio.services.base import validate

MANIFEST_FIELDS = (
    "version",
    "mlflow_version",
    "mlflow_run_id",
    "source_uri",
    "framework",
    "serialization_format",
    "signature",
    "metrics",
    "params",
    "code_commit",
    "image_digest",
)


def version_digest(version: ModelVersion) -> str:
    """SHA-256 over the version's manifest (model, artefact, signature, metrics, params) and, once data is
    linked, the exact data it saw: each dataset with its role, revision and content hash."""
    manifest = {"model": version.model.name, **{f: getattr(version, f) for f in MANIFEST_FIELDS}}
    links = (
        sorted(
            [link.dataset.name, link.role, link.revision, link.content_hash]
            for link in version.dataset_links.select_related("dataset")
        )
        if version.pk
        else []
    )
    if links:  # absent otherwise: a version without data keeps the digest it was registered with
        manifest["datasets"] = links
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, default=str).encode()).hexdigest()


@transaction.atomic
def model_register(*, actor, name: str, use_case, owners=(), confidential: bool | None = None, **fields) -> AIModel:
    """A model serving a use case; confidential when its use case is, unless said otherwise."""
    require_model_perm(actor, AIModel, "add", business_unit=use_case.business_unit)
    require(actor, "view", use_case)
    model = AIModel(
        name=name.strip(),
        use_case=use_case,
        confidential=use_case.confidential if confidential is None else confidential,
        **fields,
    )
    if AIModel.objects.filter(name=model.name).exists():
        raise ApplicationError(
            f"name: a model called “{model.name}” is already registered.", details={"name": ["Already registered."]}
        )
    model.full_clean()
    model.save()
    model.owners.set(owners or [actor])
    audit.record(
        actor=actor,
        action="model.registered",
        target=model,
        after={
            "name": model.name,
            "use_case": str(use_case),
            "mlflow_name": model.mlflow_name,
            "owners": sorted(o.get_username() for o in (owners or [actor])),
        },
    )
    return model


@transaction.atomic
def model_version_register(*, actor, model: AIModel, version: str, **fields) -> ModelVersion:
    require(actor, "change", model)
    if "stage" in fields:
        # A version starts registered; only the stage machine (`model_version_transition`) moves it on.
        raise ApplicationError(
            "stage: a new version starts as registered; move it through the stage machine.",
            details={"stage": ["Not settable on registration."]},
        )
    if ModelVersion.objects.filter(model=model, version=version).exists():
        raise Conflict(f"{model.name} v{version} is already registered.", details={"version": ["Duplicate."]})
    record = ModelVersion(model=model, version=version, submitted_by=actor, **fields)
    record.digest = version_digest(record)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise Conflict(f"{model.name} v{version} is already registered.") from exc
    # Listeners hear a registration too (governance supersedes the model's open reviews). They lock those rows
    # before this audits: row locks first, the audit chain's lock last, as a signer takes them (no deadlock).
    gates.entered(version=record, actor=actor, from_stage="", reason="registered")
    audit.record(
        actor=actor,
        action="model_version.registered",
        target=record,
        after={"version": version, "digest": record.digest, "mlflow_run_id": record.mlflow_run_id},
    )
    return record


def model_version_import(*, actor, mlflow_name: str, mlflow_version: str, use_case) -> ModelVersion:
    """Register a version from MLflow: read it and its run first (outside the transaction), then save."""
    try:
        found = mlflow_client.get_model_version(mlflow_name, str(mlflow_version))
    except mlflow_client.MlflowNotFound:
        raise ApplicationError(
            f"MLflow has no version {mlflow_version} of a registered model called “{mlflow_name}”.",
            details={"mlflow_version": ["Not found in MLflow."]},
        ) from None
    except mlflow_client.MlflowUnavailable as exc:
        raise ServiceUnavailable(
            f"MLflow cannot be reached right now ({exc}); nothing was registered. Try again in a moment."
        ) from exc
    return _save_import(actor=actor, found=found, use_case=use_case)


@transaction.atomic
def _save_import(*, actor, found: dict, use_case) -> ModelVersion:
    model = AIModel.objects.filter(mlflow_name=found["name"]).first()
    if model is None:
        model = model_register(
            actor=actor,
            name=found["name"],
            use_case=use_case,
            mlflow_name=found["name"],
            description=found["description"],
        )
    elif model.use_case_id != use_case.pk:
        raise Conflict(
            f"“{model.name}” already serves {model.use_case.code}, not {use_case.code}.",
            details={"use_case": ["The model serves another use case."]},
        )
    signature = {}
    raw = found["run_tags"].get("mlflow.log-model.history")
    if raw:
        signature = {"logged_model": raw[:2000]}
    for key in ("inputs", "outputs"):
        if found["tags"].get(f"signature.{key}"):
            signature[key] = found["tags"][f"signature.{key}"]
    tags = found["run_tags"]
    version = model_version_register(
        actor=actor,
        model=model,
        version=found["version"],
        mlflow_version=found["version"],
        mlflow_run_id=found["run_id"],
        source_uri=found["source"],
        metrics=found["metrics"],
        params=found["params"],
        signature=signature,
        framework=tags.get("framework", ""),
        code_commit=(tags.get("mlflow.source.git.commit") or "")[:64],
        image_digest=(tags.get("lodestar.image_digest") or "")[:100],
        code_review_url=(tags.get("lodestar.code_review_url") or "")[:500],
        ci_run_url=(tags.get("lodestar.ci_run_url") or "")[:500],
    )
    if found.get("datasets"):
        from lifecycle.datasets import datasets_link_from_mlflow

        datasets_link_from_mlflow(actor=actor, version=version, inputs=found["datasets"])
    return version


def model_version_transition(*, actor, version: ModelVersion, to_stage: str, reason: str = "") -> ModelVersion:
    """The one way a stage changes: lock, check the edge, run the gates, record, audit. A refused move is
    audited too (`model_version.transition_refused`), outside the refused transaction."""
    try:
        return _transition(actor=actor, version=version, to_stage=to_stage, reason=reason)
    except ApplicationError as exc:
        failed = exc.details.get("failed_gates", []) if isinstance(exc.details, dict) else []
        audit.record(
            actor=actor,
            action="model_version.transition_refused",
            target=version,
            reason=exc.message,
            before={"stage": version.stage},
            after={"to": str(to_stage)[:30], "failed_gates": failed},
        )
        raise


@transaction.atomic
def _transition(*, actor, version: ModelVersion, to_stage: str, reason: str) -> ModelVersion:
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    if to_stage not in Stage.values:
        raise ApplicationError(f"to: unknown stage “{to_stage}”.", details={"to": ["Unknown stage."]})
    if to_stage == Stage.APPROVED or (to_stage == Stage.REJECTED and version.stage == Stage.PENDING_APPROVAL):
        _require_independent_approver(actor, version)  # a review decision, not the owners' change
    else:
        require(actor, "change", version.model)
    if version.stage == to_stage:
        return version
    if to_stage not in NEXT_STAGES[version.stage]:
        allowed = ", ".join(sorted(Stage(s).label for s in NEXT_STAGES[version.stage])) or "nothing: it is closed"
        raise Conflict(
            f"{version} is {version.get_stage_display().lower()} and cannot move to "
            f"{Stage(to_stage).label.lower()}. It can move to: {allowed}.",
            details={"to": ["Forbidden."]},
        )
    _enter(actor, version, to_stage, reason)
    return version


def _enter(actor, version: ModelVersion, to_stage: str, reason: str) -> None:
    """The one gate evaluation of the stage machine: every stage change (a transition, both halves of a rollback,
    an emergency release, the version a new production version replaces) runs the gates of the stage it enters
    here, is refused with the failed ones in words (409), and only then is written by `_move`. The caller holds
    the version's row lock; tests/hostile/test_stage_paths.py checks that nothing else writes a stage."""
    results = gates.run(version=version, to_stage=to_stage)
    failed = [r for r in results if not r.passed]
    if failed:
        raise Conflict(
            f"{version} cannot move to {Stage(to_stage).label.lower()}: " + " ".join(r.detail for r in failed),
            details={"failed_gates": [r.as_dict() for r in failed]},
        )
    if to_stage == Stage.PRODUCTION:
        for previous in (
            ModelVersion.objects.select_for_update()
            .filter(model=version.model, stage=Stage.PRODUCTION)
            .exclude(pk=version.pk)
        ):
            _enter(actor, previous, Stage.DEPRECATED, f"Replaced in production by v{version.version}.")
    _move(actor, version, to_stage, reason, results)


def _require_independent_approver(actor, version: ModelVersion) -> None:
    """Approval is a review decision: a reviewer's permission, and never the submitter's or an owner's."""
    require(actor, "view", version.model)
    if not actor.has_perm("lifecycle.approve_modelversion"):
        raise NotAllowed("Only review board members may approve or reject a version after review.")
    if actor.pk == version.submitted_by_id or version.model.owners.filter(pk=actor.pk).exists():
        raise NotAllowed(f"You submitted or own {version.model.name}; an independent reviewer must decide.")


# The environment a stage runs in: entering it puts the version's deployment there live, leaving it ends it.
DEPLOYED_STAGES = {Stage.STAGING: Deployment.Environment.STAGING, Stage.PRODUCTION: Deployment.Environment.PRODUCTION}


def _deployments_follow(actor, version: ModelVersion, from_stage: str, to_stage: str) -> None:
    """Keep the deployment records true to the stage (part of `_move`, so every path into or out of production
    does it): entering the stage makes the latest planned deployment of its environment active (or, for a
    version coming back by rollback, its last ended one), superseding older planned records; leaving it ends
    the active one. Each change is audited."""
    now = timezone.now()
    changed = []
    left = DEPLOYED_STAGES.get(from_stage)
    if left and from_stage != to_stage:
        for deployment in version.deployments.filter(environment=left, status="active"):
            deployment.status, deployment.ended_at = Deployment.Status.ENDED, now
            changed.append((deployment, "active"))
    entered = DEPLOYED_STAGES.get(to_stage)
    if entered:
        records = list(version.deployments.filter(environment=entered).order_by("-created_at"))
        live = next((d for d in records if d.status == "planned"), None) or next(
            (d for d in records if d.status == "ended"), None
        )
        for deployment in records:
            if deployment is live and deployment.status != "active":
                changed.append((deployment, deployment.status))
                deployment.status, deployment.started_at, deployment.ended_at = Deployment.Status.ACTIVE, now, None
            elif deployment is not live and deployment.status == "planned":
                changed.append((deployment, "planned"))  # an older plan the latest one replaced
                deployment.status, deployment.ended_at = Deployment.Status.ENDED, now
    for deployment, before in changed:
        deployment.save(update_fields=["status", "started_at", "ended_at", "updated_at"])
        audit.record(
            actor=actor,
            action="deployment.status_changed",
            target=version,
            reason=f"{Stage(from_stage).label if from_stage else 'Registered'} → {Stage(to_stage).label}",
            before={"deployment": deployment.pk, "environment": deployment.environment, "status": before},
            after={"status": deployment.status},
        )


APPROVED_STAGES = {Stage.APPROVED, Stage.STAGING, Stage.PRODUCTION}


def governance_tags(version: ModelVersion) -> dict[str, str]:
    """The tags deployment pipelines read on the MLflow version."""
    return {
        "lodestar.stage": version.stage,
        "lodestar.risk_tier": version.model.use_case.risk_tier,
        "lodestar.approved": "true" if version.stage in APPROVED_STAGES else "false",
    }


def _move(actor, version: ModelVersion, to_stage: str, reason: str, results) -> None:
    """Write a stage change whose gates `_enter` has just passed (its only caller): history row, audit, listeners."""
    StageTransition.objects.create(
        version=version,
        from_stage=version.stage,
        to_stage=to_stage,
        actor=actor,
        reason=reason,
        gate_results=[r.as_dict() for r in results],
    )
    audit.record(
        actor=actor,
        action="model_version.transitioned",
        target=version,
        reason=reason,
        before={"stage": version.stage},
        after={"stage": to_stage, "gates": [r.as_dict() for r in results]},
    )
    from_stage, version.stage = version.stage, to_stage
    version.save(update_fields=["stage", "updated_at"])
    _deployments_follow(actor, version, from_stage, to_stage)
    gates.entered(version=version, actor=actor, from_stage=from_stage, reason=reason)
    if version.model.mlflow_name and version.mlflow_version:
        from lifecycle import tasks

        # After commit, and robust: MLflow being down never blocks or undoes a transition.
        transaction.on_commit(lambda: tasks.model_version_sync_tags.delay(version.pk), robust=True)


# --- Deployments, freezes and rollback --------------------------------------------------------------


DEPLOYMENT_RUNTIME_FIELDS = (
    "target_platform",
    "regions",
    "replicas",
    "min_replicas",
    "max_replicas",
    "gateway",
    "authentication",
    "image_digest",
    "inference_log_destination",
    "inference_log_retention_days",
)


# Everything `deployment_record` takes about where and how a version runs: the page's form and the API's
# serializer both take exactly these (tests/lifecycle/test_api_fields.py holds them to it).
DEPLOYMENT_FIELDS = (
    "environment",
    "strategy",
    "traffic_percent",
    "serving_type",
    "endpoint",
    *DEPLOYMENT_RUNTIME_FIELDS,
)


def _check_runtime(deployment: Deployment, version: ModelVersion) -> None:
    def refuse(field: str, message: str):
        raise ApplicationError(f"{field}: {message}", details={field: [message]})

    if deployment.strategy == Deployment.Strategy.CANARY and not 1 <= (deployment.traffic_percent or 0) <= 99:
        refuse("traffic_percent", "a canary takes between 1 and 99 percent of the traffic.")
    if not isinstance(deployment.regions, list) or not all(
        isinstance(r, str) and r.strip() for r in deployment.regions
    ):
        refuse("regions", "give the regions as a list of names, e.g. eu-west-1.")
    deployment.regions = sorted({r.strip() for r in deployment.regions})
    low, high = deployment.min_replicas, deployment.max_replicas
    if low is not None and high is not None and low > high:
        refuse("max_replicas", f"the autoscaling maximum ({high}) is below the minimum ({low}).")
    if (
        deployment.replicas is not None
        and low is not None
        and high is not None
        and not low <= deployment.replicas <= high
    ):
        refuse("replicas", f"{deployment.replicas} replicas is outside the autoscaling range {low}–{high}.")
    if deployment.inference_log_destination and not deployment.inference_log_retention_days:
        refuse("inference_log_retention_days", "say how long the inference logs are kept.")
    if deployment.image_digest and version.image_digest and deployment.image_digest != version.image_digest:
        refuse(
            "image_digest",
            f"the version was built as {version.image_digest}; a deployment runs the image that was reviewed.",
        )


@transaction.atomic
def deployment_record(*, actor, version: ModelVersion, environment: str, deployed_by=None, **fields) -> Deployment:
    """Record where and how a version runs (a production deployment is a gate of promotion)."""
    require(actor, "change", version.model)
    deployment = Deployment(version=version, environment=environment, deployed_by=deployed_by or actor, **fields)
    _check_runtime(deployment, version)
    validate(deployment)
    deployment.save()
    audit.record(
        actor=actor,
        action="deployment.recorded",
        target=version,
        after={
            "environment": environment,
            "strategy": deployment.strategy,
            "traffic_percent": deployment.traffic_percent,
            "endpoint": deployment.endpoint,
            **{
                f: getattr(deployment, f)
                for f in DEPLOYMENT_RUNTIME_FIELDS
                if getattr(deployment, f) not in ("", [], None)
            },
        },
    )
    return deployment


@transaction.atomic
def freeze_window_create(*, actor, name: str, start, end, environments=("production",), reason: str = ""):
    require_model_perm(actor, FreezeWindow, "add")
    if start and end and end <= start:
        raise ApplicationError("end: a freeze window must end after it starts.", details={"end": ["Before start."]})
    window = FreezeWindow(name=name, start=start, end=end, environments=list(environments), reason=reason)
    window.full_clean()
    window.save()
    audit.record(
        actor=actor,
        action="freeze_window.created",
        target=window,
        after={"name": name, "start": start, "end": end, "environments": list(environments)},
    )
    return window


@transaction.atomic
def freeze_window_end(*, actor, window: FreezeWindow, reason: str) -> FreezeWindow:
    """End a running freeze window now (those who create windows may end them); the window stays in history."""
    require_model_perm(actor, FreezeWindow, "add")
    reason = require_text(reason, field="reason", hint="say why the freeze ends early.")
    window = FreezeWindow.objects.select_for_update().get(pk=window.pk)
    now = timezone.now()
    if window.end <= now:
        raise Conflict(f"{window.name} already ended on {window.end:%Y-%m-%d %H:%M} UTC.", details={"end": ["Over."]})
    if window.start > now:
        raise Conflict(
            f"{window.name} has not started (it starts on {window.start:%Y-%m-%d %H:%M} UTC): only a running window "
            "ends early.",
            details={"start": ["Not started."]},
        )
    before = window.end
    window.end = now
    window.save(update_fields=["end", "updated_at"])
    audit.record(
        actor=actor,
        action="freeze_window.ended",
        target=window,
        reason=reason,
        before={"end": before},
        after={"end": now},
    )
    return window


def freeze_exemption_use(*, version, actor, from_stage: str = "", reason: str = "") -> None:
    """Listener of the entry into production: a move inside a freeze, let through by an approved exemption, uses
    it up (single use), in the move's transaction. The request and the decisions live in governance (they
    re-authenticate the approver)."""
    now = timezone.now()
    if not gates.production_freezes(now=now):
        return  # no freeze was running: nothing was exempted, an approval stays for the window it covers
    exemption = gates.usable_freeze_exemption(version, now=now)
    if exemption is None:
        return
    EmergencyApproval.objects.filter(pk=exemption.pk).update(status="used", used_at=now)
    audit.record(
        actor=actor,
        action="freeze_exemption.used",
        target=exemption,
        reason=reason,
        before={"status": "approved"},
        after={"status": "used", "stage": version.stage, "from_stage": from_stage},
    )


def rollback_target(current: ModelVersion) -> ModelVersion | None:
    """The version a rollback of `current` (in production) would restore: the one in production before it, if
    it is deprecated or suspended now; None when there is nothing to go back to."""
    previous = (
        StageTransition.objects.filter(version__model_id=current.model_id, to_stage=Stage.PRODUCTION)
        .exclude(version=current)
        .select_related("version")
        .order_by("-at", "-pk")
        .first()
    )
    if previous is None or previous.version.stage not in (Stage.DEPRECATED, Stage.SUSPENDED):
        return None
    return previous.version


def model_rollback(*, actor, model: AIModel, reason: str) -> ModelVersion:
    """One step back: suspend the production version and restore the one before it, through the same gate
    evaluation as any move into production (an expired approval, a freeze, a critical alert... refuse it, and
    nothing changes); record the incident. A refusal is audited (`model.rollback_refused`), outside the refused
    transaction. Restoring past a failed gate is the emergency release's job, with its own two approvals."""
    try:
        return _rollback(actor=actor, model=model, reason=reason)
    except ApplicationError as exc:
        failed = exc.details.get("failed_gates", []) if isinstance(exc.details, dict) else []
        audit.record(
            actor=actor,
            action="model.rollback_refused",
            target=model,
            reason=exc.message,
            after={"failed_gates": failed},
        )
        raise


@transaction.atomic
def _rollback(*, actor, model: AIModel, reason: str) -> ModelVersion:
    require(actor, "change", model)
    require_text(reason, field="reason", hint="say what went wrong.")
    current = ModelVersion.objects.select_for_update().filter(model=model, stage=Stage.PRODUCTION).first()
    if current is None:
        raise Conflict(f"{model.name} has no version in production to roll back.")
    previous = rollback_target(current)
    if previous is None:
        raise Conflict(f"{model.name} has no earlier production version to restore.")
    restored = ModelVersion.objects.select_for_update().select_related("model").get(pk=previous.pk)
    _enter(actor, current, Stage.SUSPENDED, f"Rolled back: {reason.strip()}")
    try:
        # With the current version suspended, the restored one meets production's gates as it would by hand.
        _enter(actor, restored, Stage.PRODUCTION, f"Restored by rollback of v{current.version}.")
    except Conflict as exc:
        raise Conflict(
            f"Rollback of {model.name} refused, nothing changed (v{current.version} stays in production): "
            f"{exc.message} Fix what the gates name, or have v{restored.version} released in an emergency "
            "(two approvals of the emergency function), or suspend the version only.",
            details=exc.details,
        ) from exc
    Incident.objects.create(
        model=model,
        kind="rollback",
        opened_by=actor,
        description=f"v{current.version} suspended, v{restored.version} restored: {reason}",
    )
    audit.record(
        actor=actor,
        action="model.rolled_back",
        target=model,
        reason=reason,
        before={"production": current.version},
        after={"production": restored.version},
    )
    return restored


# --- Model settings, ownership and signature breaks --------------------------------------------------

EDITABLE_MODEL_FIELDS = (
    "description",
    "model_type",
    "third_party",
    "vendor_name",
    "primary_metric",
    "higher_is_better",
    "metric_tolerance",
)


@transaction.atomic
def model_update(*, actor, model: AIModel, **changes) -> AIModel:
    """Descriptive fields and the promotion tolerance; owners change by handover, the use case never."""
    require(actor, "change", model)
    refused = sorted(set(changes) - set(EDITABLE_MODEL_FIELDS))
    if refused:
        raise ApplicationError(
            f"{refused[0]}: cannot be changed here"
            + (" (owners change through a handover)." if "owners" in refused else "."),
            details={field: ["Not editable."] for field in refused},
        )
    model = AIModel.objects.select_for_update().get(pk=model.pk)
    before = {field: getattr(model, field) for field in changes}
    for field, value in changes.items():
        setattr(model, field, value)
    validate(model)
    model.save()
    audit.record(actor=actor, action="model.updated", target=model, before=before, after=changes)
    return model


HANDOVER_CHECKLIST = {
    "documentation_reviewed": "The new owners went through the model card, documentation and known limits.",
    "open_work_briefed": "Open alerts, incidents, reviews and retraining requests were handed over.",
    "access_granted": "The new owners can reach the code, data, MLflow experiments and serving platform.",
    "contacts_updated": "The on-call rota and the contacts given to consumers name the new owners.",
}


@transaction.atomic
def model_ownership_handover(*, actor, model: AIModel, new_owners, checklist: dict, reason: str) -> AIModel:
    """Owners change only through a handover: every checklist item done, new owners able to act, audited."""
    require(actor, "change", model)
    reason = require_text(reason, field="reason", hint="say why ownership changes (e.g. team reorganisation).")
    missing = [text for key, text in HANDOVER_CHECKLIST.items() if not checklist.get(key)]
    if missing:
        raise ApplicationError(
            "checklist: not finished. " + " ".join(missing),
            details={"checklist": [key for key in HANDOVER_CHECKLIST if not checklist.get(key)]},
        )
    new_owners = list({user.pk: user for user in new_owners}.values())
    if not new_owners:
        raise ApplicationError("owners: name at least one new owner.", details={"owners": ["Empty."]})
    unable = [user.get_username() for user in new_owners if not user.is_active or not can(user, "change", model)]
    if unable:
        raise ApplicationError(
            f"owners: {', '.join(unable)} cannot change models of {model.use_case.business_unit}: "
            "give them the data scientist role and membership first.",
            details={"owners": unable},
        )
    model = AIModel.objects.select_for_update().get(pk=model.pk)
    previous = list(model.owners.all())
    model.owners.set(new_owners)
    audit.record(
        actor=actor,
        action="model.ownership_handed_over",
        target=model,
        reason=reason,
        before={"owners": sorted(u.get_username() for u in previous)},
        after={"owners": sorted(u.get_username() for u in new_owners), "checklist": sorted(HANDOVER_CHECKLIST)},
    )
    notify(
        recipients=[*previous, *new_owners],
        subject=f"Ownership of {model} handed over to {', '.join(u.get_username() for u in new_owners)}",
        body=reason,
        url=reverse("lifecycle:model_detail", args=[model.pk]),
        category="ownership",
        about=model,
    )
    return model


@transaction.atomic
def model_version_acknowledge_break(*, actor, version: ModelVersion, reason: str) -> ModelVersion:
    """Accept an input signature that production's callers do not send; consumers hear about it."""
    if not can(actor, "change", version.model):
        owners = ", ".join(o.get_full_name() or o.get_username() for o in version.model.owners.all()) or "none named"
        raise NotAllowed(
            f"Only those who may change {version.model} (its owners and its unit's data scientists) acknowledge a "
            f"signature break: ask an owner ({owners})."
        )
    reason = require_text(reason, field="reason", hint="say what changes for callers and how they were told.")
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    production = gates.production_version(version)
    breaks = gates.signature_breaks(version, production) if production else []
    if not breaks:
        raise Conflict(f"{version}'s input signature does not break production's callers: nothing to acknowledge.")
    version.signature_break_reason = reason
    version.save(update_fields=["signature_break_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="model_version.signature_break_acknowledged",
        target=version,
        reason=reason,
        after={"breaks": breaks},
    )
    contacts = [c.contact for c in version.model.consumers.select_related("contact") if c.contact]
    notify(
        recipients=[*contacts, *version.model.owners.all()],
        subject=f"{version} changes its inputs",
        body=f"{'; '.join(breaks)}. {reason}",
        url=reverse("lifecycle:model_detail", args=[version.model_id]),
        category="signature",
        about=version,
    )
    return version


# --- Downstream consumers ----------------------------------------------------------------------------


@transaction.atomic
def consumer_remove(*, actor, consumer, reason: str):
    """A system that no longer calls the model; one that was told of a decommission stays on that record."""
    require(actor, "change", consumer.model)
    reason = require_text(reason, field="reason", hint="say why the system no longer calls the model.")
    if consumer.notices.exists():
        raise Conflict(
            f"{consumer.system} was told of a decommission plan of {consumer.model}: it stays on that record."
        )
    before = {
        "system": consumer.system,
        "criticality": consumer.criticality,
        "contact": str(consumer.contact or consumer.contact_email),
    }
    model = consumer.model
    consumer.delete()
    audit.record(actor=actor, action="model.consumer_removed", target=model, reason=reason, before=before)

"""Retiring a model or a version: plan, independent approval, announcement to downstream consumers,
a checklist the service enforces, then retirement through the stage machine. Post-mortems feed the
lessons-learned list."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import holders_of_perm, require
from lifecycle import policies, services
from lifecycle.choices import Stage
from lifecycle.models import (
    AIModel,
    ConsumerNotice,
    DecommissionApproval,
    DecommissionPlan,
    DownstreamConsumer,
    ModelVersion,
)
from notifications.services import notify
from portfolio.services.base import validate

OPEN = (DecommissionPlan.Status.DRAFT, DecommissionPlan.Status.APPROVED, DecommissionPlan.Status.ANNOUNCED)
CHECKLIST_FIELDS = (
    "archive_location",
    "archive_checksum",
    "predictions_location",
    "resources_reclaimed",
    "monthly_cost_saved",
    "documentation_updated",
    "postmortem",
    "lessons_learned",
)
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _is_owner(user, model: AIModel) -> bool:
    return model.owners.filter(pk=user.pk).exists()


@transaction.atomic
def consumer_register(
    *, actor, model: AIModel, system: str, contact=None, contact_email: str = "", criticality="medium"
):
    require(actor, "change", model)
    system = require_text(system, field="system", hint="name the system that calls the model.")
    if contact is None and not contact_email.strip():
        raise ApplicationError(
            "contact: give a contact person or an email address, so the consumer can be told of changes.",
            details={"contact": ["A contact or an email is required."]},
        )
    if DownstreamConsumer.objects.filter(model=model, system=system).exists():
        raise Conflict(f"system: {system} is already recorded as a consumer of {model}.")
    consumer = DownstreamConsumer(
        model=model, system=system, contact=contact, contact_email=contact_email.strip(), criticality=criticality
    )
    validate(consumer)
    consumer.save()
    audit.record(
        actor=actor,
        action="model.consumer_registered",
        target=model,
        after={"system": system, "criticality": criticality, "contact": str(contact or contact_email)},
    )
    return consumer


@transaction.atomic
def decommission_plan_create(
    *, actor, model: AIModel, reason: str, sunset_date: date, version=None, replacement=None, explanation: str = ""
) -> DecommissionPlan:
    """A draft plan. The sunset date respects the notice period of the model's risk tier."""
    require(actor, "change", model)
    model = AIModel.objects.select_for_update().select_related("use_case").get(pk=model.pk)
    if reason not in DecommissionPlan.Reason.values:
        raise ApplicationError(
            f"reason: one of {', '.join(DecommissionPlan.Reason.values)}.", details={"reason": ["Unknown reason."]}
        )
    if version is not None and (version.model_id != model.pk or version.stage in (Stage.RETIRED, Stage.REJECTED)):
        raise ApplicationError("version: choose a live version of this model.", details={"version": ["Not live."]})
    if replacement is not None and replacement.pk == model.pk:
        raise ApplicationError("replacement: a model cannot replace itself.", details={"replacement": ["Itself."]})
    if reason == DecommissionPlan.Reason.REPLACED and replacement is None:
        raise ApplicationError(
            "replacement: name the model that replaces it, so consumers know where to go.",
            details={"replacement": ["Required when the reason is replaced."]},
        )
    if replacement is not None:
        require(actor, "view", replacement)
    notice = policies.notice_days_for(model)
    earliest = timezone.localdate() + timedelta(days=notice)
    if sunset_date < earliest:
        raise ApplicationError(
            f"sunset_date: a {model.use_case.get_risk_tier_display().lower()}-risk model needs {notice} days' notice; "
            f"choose {earliest:%Y-%m-%d} or later.",
            details={"sunset_date": [f"Earliest {earliest:%Y-%m-%d}."]},
        )
    if DecommissionPlan.objects.filter(model=model, version=version, status__in=OPEN).exists():
        raise Conflict(f"{version or model} already has an open decommission plan.")
    plan = DecommissionPlan.objects.create(
        model=model,
        version=version,
        reason=reason,
        explanation=explanation.strip(),
        replacement=replacement,
        sunset_date=sunset_date,
        notice_days=notice,
        required_functions=policies.decommission_functions_for(model),
        created_by=actor,
    )
    _ask_functions(plan)
    audit.record(
        actor=actor,
        action="decommission.planned",
        target=model,
        after={
            "version": version.version if version else None,
            "reason": reason,
            "sunset_date": sunset_date,
            "replacement": str(replacement) if replacement else None,
            "notice_days": notice,
            "functions": [f["code"] for f in plan.required_functions],
        },
    )
    return plan


def _ask_functions(plan: DecommissionPlan) -> None:
    """Holders of the functions the tier requires learn that a plan waits for their approval."""
    for function in plan.required_functions:
        notify(
            recipients=list(holders_of_perm(function["permission"])),
            subject=f"Decommission plan for {plan.version or plan.model} waits for {function['name']} approval",
            body=f"Reason: {plan.get_reason_display()}. Sunset {plan.sunset_date:%Y-%m-%d}.",
            url=reverse("lifecycle:decommission_detail", args=[plan.pk]),
            category="decommission",
            about=plan,  # holders who cannot see the model are not told of it
        )


def functions_waiting(plan: DecommissionPlan) -> list[dict]:
    """The required functions that have not approved yet (uses a prefetched `function_approvals`)."""
    done = {a.function for a in plan.function_approvals.all()}
    return [f for f in plan.required_functions if f["code"] not in done]


def _locked(plan: DecommissionPlan) -> DecommissionPlan:
    # Lock the plan row only: PostgreSQL cannot lock the nullable side (version) of the outer join.
    return DecommissionPlan.objects.select_for_update(of=("self",)).select_related("model", "version").get(pk=plan.pk)


@transaction.atomic
def decommission_plan_approve(*, actor, plan: DecommissionPlan, as_role: str) -> DecommissionPlan:
    """The model owner, an independent validator and each review-board function the tier requires
    (`as_role` is that function's code) approve before the plan is announced."""
    plan = _locked(plan)
    require(actor, "view", plan.model)
    if plan.status != DecommissionPlan.Status.DRAFT:
        raise Conflict(f"The plan is {plan.get_status_display().lower()}; only a draft is approved.")
    functions = {f["code"]: f for f in plan.required_functions}
    now = timezone.now()
    if as_role == "owner":
        if not _is_owner(actor, plan.model):
            raise NotAllowed(f"Only an owner of {plan.model} approves as owner.")
        plan.owner_approved_by, plan.owner_approved_at = actor, now
    elif as_role == "validator":
        if not actor.has_perm("lifecycle.approve_modelversion"):
            raise NotAllowed("Only review board members approve as the independent validator.")
        _require_independent(actor, plan)
        plan.validator_approved_by, plan.validator_approved_at = actor, now
    elif as_role in functions:
        function = functions[as_role]
        if not actor.has_perm(function["permission"]):
            raise NotAllowed(f"Only holders of the {function['name']} function approve for it.")
        _require_independent(actor, plan)
        if plan.function_approvals.filter(function=as_role).exists():
            raise Conflict(f"{function['name']} has already approved this plan.")
        DecommissionApproval.objects.create(plan=plan, function=as_role, approved_by=actor)
    else:
        roles = ["owner", "validator", *functions]
        raise ApplicationError(
            f"as_role: approve as one of {', '.join(roles)}.", details={"as_role": [f"Unknown role “{as_role}”."]}
        )
    if plan.owner_approved_by_id and plan.validator_approved_by_id and not functions_waiting(plan):
        plan.status = DecommissionPlan.Status.APPROVED
    plan.save()
    audit.record(
        actor=actor,
        action="decommission.approved",
        target=plan.model,
        after={"as": as_role, "status": plan.status},
    )
    return plan


def _require_independent(actor, plan: DecommissionPlan) -> None:
    if _is_owner(actor, plan.model) or actor.pk == plan.created_by_id:
        raise NotAllowed("You own the model or wrote the plan; an independent reviewer must approve it.")


@transaction.atomic
def decommission_plan_announce(*, actor, plan: DecommissionPlan) -> DecommissionPlan:
    """Tell every downstream consumer (in-app and email) and start tracking their acknowledgements."""
    plan = _locked(plan)
    require(actor, "change", plan.model)
    if plan.status != DecommissionPlan.Status.APPROVED:
        raise Conflict(
            "Announce the plan once its owner, an independent validator and the review-board functions its tier "
            "requires approved it."
        )
    consumers = list(plan.model.consumers.select_related("contact"))
    ConsumerNotice.objects.bulk_create(ConsumerNotice(plan=plan, consumer=c) for c in consumers)
    subject = f"{plan.version or plan.model} will be retired on {plan.sunset_date:%Y-%m-%d}"
    body = (
        f"Reason: {plan.get_reason_display()}. "
        + (f"Replacement: {plan.replacement}. " if plan.replacement else "")
        + "Please acknowledge in Lodestar."
    )
    url = reverse("lifecycle:decommission_detail", args=[plan.pk])
    notify(
        recipients=[c.contact for c in consumers] + list(plan.model.owners.all()),
        subject=subject,
        body=body,
        url=url,
        category="decommission",
        about=plan,
    )
    outside = [c.contact_email for c in consumers if c.contact is None and c.contact_email]
    if outside:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, outside, fail_silently=True)
        )
    plan.status, plan.announced_at = DecommissionPlan.Status.ANNOUNCED, timezone.now()
    plan.save()
    audit.record(
        actor=actor,
        action="decommission.announced",
        target=plan.model,
        after={"consumers": sorted(c.system for c in consumers), "sunset_date": plan.sunset_date},
    )
    return plan


@transaction.atomic
def consumer_notice_acknowledge(*, actor, notice: ConsumerNotice, note: str = "") -> ConsumerNotice:
    """The consumer's contact acknowledges; an owner may record an acknowledgement received elsewhere."""
    notice = ConsumerNotice.objects.select_for_update().select_related("consumer", "plan__model").get(pk=notice.pk)
    model = notice.plan.model
    if actor.pk != notice.consumer.contact_id:
        require(actor, "change", model)
        note = require_text(
            note, field="note", hint="say how and when the consumer acknowledged (e.g. email of 3 May)."
        )
    if notice.acknowledged_at:
        raise Conflict(f"{notice.consumer.system} already acknowledged on {notice.acknowledged_at:%Y-%m-%d}.")
    notice.acknowledged_at, notice.acknowledged_by, notice.note = timezone.now(), actor, note.strip()
    notice.save()
    audit.record(
        actor=actor,
        action="decommission.acknowledged",
        target=model,
        after={"consumer": notice.consumer.system, "note": notice.note},
    )
    return notice


@transaction.atomic
def decommission_checklist_update(*, actor, plan: DecommissionPlan, **items) -> DecommissionPlan:
    plan = _locked(plan)
    require(actor, "change", plan.model)
    if plan.status not in (DecommissionPlan.Status.APPROVED, DecommissionPlan.Status.ANNOUNCED):
        raise Conflict(f"The plan is {plan.get_status_display().lower()}: its checklist is closed or not yet open.")
    unknown = sorted(set(items) - set(CHECKLIST_FIELDS))
    if unknown:
        raise ApplicationError(f"{unknown[0]}: not a checklist item.", details={k: ["Unknown."] for k in unknown})
    checksum = items.get("archive_checksum")
    if checksum and not SHA256.match(checksum.strip().lower()):
        raise ApplicationError(
            "archive_checksum: give the SHA-256 of the archive (64 hexadecimal characters).",
            details={"archive_checksum": ["Not a SHA-256."]},
        )
    cost = items.get("monthly_cost_saved")
    if cost is not None and cost < 0:
        raise ApplicationError(
            "monthly_cost_saved: a saving cannot be negative.", details={"monthly_cost_saved": ["<0"]}
        )
    before = {k: getattr(plan, k) for k in items}
    for key, value in items.items():
        setattr(plan, key, value.strip().lower() if key == "archive_checksum" and value else value)
    plan.save()
    audit.record(actor=actor, action="decommission.checklist_updated", target=plan.model, before=before, after=items)
    return plan


def checklist_missing(plan: DecommissionPlan) -> list[str]:
    """What is still missing before retirement, in words."""
    missing = []
    # notices.all(): lists prefetch "notices__consumer", so a page of plans costs no query per plan.
    waiting = [n.consumer.system for n in plan.notices.all() if n.acknowledged_at is None]
    if plan.status == DecommissionPlan.Status.APPROVED:
        missing.append("The plan has not been announced to its consumers.")
    if waiting:
        missing.append(f"Not yet acknowledged by {', '.join(sorted(waiting))}.")
    if not (plan.archive_location and plan.archive_checksum):
        missing.append("Archive the artifacts and training-data snapshot (location and SHA-256).")
    if not plan.predictions_location:
        missing.append("Preserve the historical predictions (location).")
    if not plan.resources_reclaimed or plan.monthly_cost_saved is None:
        missing.append("Reclaim compute and storage, and record the monthly cost saved.")
    if not plan.documentation_updated:
        missing.append("Update the documentation.")
    if not (plan.postmortem.strip() and plan.lessons_learned.strip()):
        missing.append("Write the post-mortem and its lessons learned.")
    return missing


def _versions_in_scope(plan: DecommissionPlan):
    versions = ModelVersion.objects.select_for_update().filter(model=plan.model)
    if plan.version_id:
        versions = versions.filter(pk=plan.version_id)
    return versions.exclude(stage__in=(Stage.RETIRED, Stage.REJECTED))


@transaction.atomic
def decommission_retire(*, actor, plan: DecommissionPlan) -> DecommissionPlan:
    """Retire once announced, on or after the sunset date, with every checklist item done."""
    plan = _locked(plan)
    require(actor, "change", plan.model)
    if plan.status != DecommissionPlan.Status.ANNOUNCED:
        raise Conflict(f"The plan is {plan.get_status_display().lower()}; only an announced plan can retire a model.")
    if timezone.localdate() < plan.sunset_date:
        raise Conflict(f"Consumers were promised service until {plan.sunset_date:%Y-%m-%d}; retire on or after it.")
    missing = checklist_missing(plan)
    if missing:
        raise Conflict("The checklist is not finished: " + " ".join(missing), details={"missing": missing})
    versions = list(_versions_in_scope(plan))
    pending = [v for v in versions if v.stage == Stage.PENDING_APPROVAL]
    if pending:
        raise Conflict(f"{pending[0]} is pending approval: let its review decide before retiring the model.")
    why = f"Decommissioned: {plan.get_reason_display().lower()}."
    for version in versions:
        if version.stage == Stage.PRODUCTION:
            services.model_version_transition(actor=actor, version=version, to_stage=Stage.DEPRECATED, reason=why)
        target = (
            Stage.RETIRED if version.stage in (Stage.PRODUCTION, Stage.DEPRECATED, Stage.SUSPENDED) else Stage.REJECTED
        )
        services.model_version_transition(actor=actor, version=version, to_stage=target, reason=why)
    plan.status, plan.retired_at = DecommissionPlan.Status.RETIRED, timezone.now()
    plan.save()
    audit.record(
        actor=actor,
        action="decommission.retired",
        target=plan.model,
        after={"versions": sorted(v.version for v in versions), "monthly_cost_saved": plan.monthly_cost_saved},
    )
    return plan


@transaction.atomic
def decommission_plan_cancel(*, actor, plan: DecommissionPlan, reason: str) -> DecommissionPlan:
    plan = _locked(plan)
    require(actor, "change", plan.model)
    reason = require_text(reason, field="reason", hint="say why the model stays.")
    if plan.status not in OPEN:
        raise Conflict(f"The plan is already {plan.get_status_display().lower()}.")
    plan.status = DecommissionPlan.Status.CANCELLED
    plan.save()
    audit.record(actor=actor, action="decommission.cancelled", target=plan.model, reason=reason)
    return plan


def retirement_covered(version: ModelVersion) -> str | None:
    """Gate: a version retires only through a finished decommission plan (no shortcut by API or admin)."""
    plans = DecommissionPlan.objects.filter(model_id=version.model_id, status=DecommissionPlan.Status.ANNOUNCED)
    for plan in plans.filter(version__isnull=True) | plans.filter(version=version):
        if not checklist_missing(plan) and timezone.localdate() >= plan.sunset_date:
            return None
    return "Retirement goes through a decommission plan: announced, past its sunset date, with its checklist done."

"""Alert rules and alerts: opening (from the sync, on new points only), acknowledging, resolving."""

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.permissions import can, require_model_perm
from monitoring import evaluation, value, webhooks
from monitoring.actions import action_proposal_for_alert, proposal_notice
from monitoring.choices import ACTIVE_ALERT_STATES, AlertStatus, Condition, RootCause, RuleAction, ScopeKind
from monitoring.models import Alert, AlertRule, Budget, MetricSeries
from monitoring.retraining import retraining_request_for_alert
from monitoring.selectors import rules_in_scope
from notifications.services import notify
from portfolio.services.base import validate

# --- Rules --------------------------------------------------------------------------------------------


@transaction.atomic
def alert_rule_create(*, actor, name: str, metric, scope_kind: str, condition: str, threshold: float, **fields):
    """A rule on a metric for a model, a version, a risk tier or a business unit."""
    require_model_perm(actor, AlertRule, "add")
    rule = AlertRule(
        name=require_text(name, field="name", hint="say what the rule watches, e.g. “PSI drift above 0.2”."),
        metric=metric,
        scope_kind=scope_kind,
        condition=condition,
        threshold=threshold,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    _check_rule(rule, actor)
    rule.full_clean()
    rule.save()
    audit.record(
        actor=actor,
        action="alert_rule.created",
        target=rule,
        after={
            "metric": metric.name,
            "scope": rule.scope_kind,
            "condition": condition,
            "threshold": threshold,
            "action": rule.action,
            "automatic_suspend": rule.automatic_suspend,
        },
    )
    return rule


RULE_FIELDS = (
    "name",
    "metric",
    "scope_kind",
    "model",
    "model_version",
    "risk_tier",
    "business_unit",
    "condition",
    "threshold",
    "window",
    "severity",
    "action",
    "automatic_suspend",
)


def _rule_state(rule: AlertRule) -> dict:
    return {field: str(getattr(rule, field)) if getattr(rule, field) is not None else None for field in RULE_FIELDS}


@transaction.atomic
def alert_rule_update(*, actor, rule: AlertRule, reason: str = "", **changes) -> AlertRule:
    """Change a rule (platform admins, or members of the unit it watches with the change permission). The rule's
    scope is checked again as for a new rule; alerts it opened keep what they said."""
    require_model_perm(actor, AlertRule, "change", business_unit=_unit_of(rule))
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.", details={})
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    before = _rule_state(rule)
    for field, new in changes.items():
        setattr(rule, field, new)
    # Only the target of the chosen scope stays: a rule watches one thing.
    for scope, field in (("model", "model"), ("version", "model_version"), ("business_unit", "business_unit")):
        if rule.scope_kind != scope:
            setattr(rule, field, None)
    if rule.scope_kind != ScopeKind.RISK_TIER:
        rule.risk_tier = ""
    rule.name = require_text(rule.name, field="name", hint="say what the rule watches.")
    _check_rule(rule, actor)
    require_model_perm(actor, AlertRule, "change", business_unit=_unit_of(rule))
    rule.full_clean()
    rule.save()
    after = _rule_state(rule)
    changed = [f for f in RULE_FIELDS if before[f] != after[f]]
    audit.record(
        actor=actor,
        action="alert_rule.changed",
        target=rule,
        reason=reason,
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
    )
    return rule


@transaction.atomic
def alert_rule_set_active(*, actor, rule: AlertRule, active: bool, reason: str) -> AlertRule:
    """Disable a rule (it opens no new alert; open ones stay) or enable it again, with the reason."""
    require_model_perm(actor, AlertRule, "change", business_unit=_unit_of(rule))
    reason = require_text(reason, field="reason", hint="say why the rule is " + ("enabled." if active else "disabled."))
    rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
    if rule.active == active:
        return rule
    rule.active = active
    rule.save(update_fields=["active", "updated_at"])
    audit.record(
        actor=actor,
        action="alert_rule.enabled" if active else "alert_rule.disabled",
        target=rule,
        reason=reason,
        before={"active": not active},
        after={"active": active},
    )
    return rule


def _check_rule(rule: AlertRule, actor) -> None:
    target = {
        ScopeKind.MODEL: ("model", rule.model),
        ScopeKind.VERSION: ("model_version", rule.model_version),
        ScopeKind.RISK_TIER: ("risk_tier", rule.risk_tier),
        ScopeKind.BUSINESS_UNIT: ("business_unit", rule.business_unit),
    }.get(rule.scope_kind)
    if target is None:
        raise ApplicationError("scope_kind: choose model, version, risk_tier or business_unit.")
    field, value = target
    if not value:
        raise ApplicationError(
            f"{field}: a rule scoped to a {rule.scope_kind} names it.", details={field: ["Required."]}
        )
    if not isinstance(value, str) and not can(actor, "view", value):
        raise NotAllowed(f"{field}: you may not see “{value}”.")
    # A rule acts on the models it watches (it can suspend them): set only by members of their unit.
    require_model_perm(actor, AlertRule, "add", business_unit=_unit_of(rule))
    if not math.isfinite(rule.threshold):
        raise ApplicationError("threshold: give a finite number.", details={"threshold": ["Invalid."]})
    if rule.condition not in (Condition.ABOVE, Condition.BELOW) and rule.window < 2:
        raise ApplicationError("window: a baseline or trailing window needs at least 2 points.")
    if rule.condition in (Condition.RELATIVE_CHANGE, Condition.ZSCORE) and rule.threshold <= 0:
        raise ApplicationError("threshold: a relative change or z-score threshold is a positive number.")
    if rule.automatic_suspend and rule.action != RuleAction.SUSPEND:
        raise ApplicationError(
            "automatic_suspend: only a rule whose action is “Suspend the model” suspends automatically; choose that "
            "action, or leave automatic_suspend off.",
            details={"automatic_suspend": ["Only with the action “suspend”."]},
        )


def _unit_of(rule: AlertRule):
    """The business unit whose models the rule watches; None for a risk tier (every unit)."""
    if rule.scope_kind == ScopeKind.MODEL:
        return rule.model.use_case.business_unit
    if rule.scope_kind == ScopeKind.VERSION:
        return rule.model_version.model.use_case.business_unit
    return rule.business_unit if rule.scope_kind == ScopeKind.BUSINESS_UNIT else None


def rules_for(series: MetricSeries) -> list[AlertRule]:
    """Active rules on the series' metric whose scope takes in the series' version."""
    return list(rules_in_scope(version=series.model_version).filter(metric_id=series.metric_id))


# --- Evaluation (called by the sync inside the transaction that stores the points) ---------------------


def alerts_evaluate(*, series: MetricSeries, new: Sequence[tuple[int, int, float]]) -> list[Alert]:
    """Judge the series' new points against every rule in scope; open one alert per rule and series, or
    update the one still open. Returns the alerts opened or updated."""
    if not new:
        return []
    rules = rules_for(series)
    if not rules:
        return []
    new = sorted(new, key=lambda p: (p[0], p[1]))
    window = max(r.window for r in rules)
    first = new[0]
    before = Q(step__lt=first[0]) | Q(step=first[0], timestamp__lt=first[1])
    ordered = ("step", "timestamp")
    history = list(
        reversed(series.points.filter(before).order_by("-step", "-timestamp").values_list(*ordered, "value")[:window])
    )
    baseline = list(series.points.order_by(*ordered).values_list(*ordered, "value")[:window])
    touched = []
    for rule in rules:
        found = evaluation.breaches(
            condition=rule.condition,
            threshold=rule.threshold,
            window=rule.window,
            new=new,
            history=[tuple(p) for p in history],
            baseline=[tuple(p) for p in baseline],
            higher_is_better=series.metric.higher_is_better,
        )
        if found:
            touched.append(_open_or_update(rule=rule, series=series, found=found))
    return touched


def _describe(rule: AlertRule, breach: evaluation.Breach, series: MetricSeries) -> str:
    name, value = series.metric.name, breach.point[2]
    if rule.condition == Condition.ABOVE:
        return f"{name} is {value:g}, above {rule.threshold:g}."
    if rule.condition == Condition.BELOW:
        return f"{name} is {value:g}, below {rule.threshold:g}."
    if rule.condition == Condition.RELATIVE_CHANGE:
        return (
            f"{name} is {value:g}, {breach.observed:+.0%} from its baseline {breach.reference:g} "
            f"(limit ±{rule.threshold:.0%})."
        )
    return (
        f"{name} is {value:g}, z-score {breach.observed:+.2f} against the last {rule.window} points "
        f"(limit {rule.threshold:g})."
    )


def _open_or_update(*, rule: AlertRule, series: MetricSeries, found: list[evaluation.Breach]) -> Alert:
    last = found[-1]
    message = _describe(rule, last, series)
    alert = Alert.objects.select_for_update().filter(rule=rule, series=series, status__in=ACTIVE_ALERT_STATES).first()
    if alert is not None:
        # A second breach updates the alert people already know about; no new alert, no new mail.
        alert.last_value = last.point[2]
        alert.last_breach_at = last.point[1]
        alert.breaches += len(found)
        alert.message = message
        alert.money_at_risk = value.money_at_risk(series=series, value=alert.last_value)
        alert.save(update_fields=["last_value", "last_breach_at", "breaches", "message", "money_at_risk", "updated_at"])
        return alert
    version = series.model_version
    alert = Alert.objects.create(
        rule=rule,
        series=series,
        model_version=version,
        severity=rule.severity,
        message=message,
        first_value=found[0].point[2],
        last_value=last.point[2],
        breaches=len(found),
        first_breach_at=found[0].point[1],
        last_breach_at=last.point[1],
        money_at_risk=value.money_at_risk(series=series, value=last.point[2]),
    )
    audit.record(
        actor=None,
        action="alert.opened",
        target=alert,
        after={
            "rule": rule.name,
            "severity": rule.severity,
            "action": rule.action,
            "message": message,
            "money_at_risk": str(alert.money_at_risk) if alert.money_at_risk is not None else None,
        },
    )
    proposal = action_proposal_for_alert(alert=alert)
    notify(
        recipients=version.model.owners.all(),
        subject=f"[{rule.get_severity_display()}] {rule.name}: {version}",
        body="\n".join(
            filter(None, [message, f"Rule action: {rule.get_action_display()}.", proposal_notice(proposal)])
        ),
        url=reverse("monitoring:alert_detail", args=[alert.pk]),
        category="alert",
        about=alert,
    )
    webhooks.alert_opened(alert)
    if rule.action == RuleAction.RETRAIN:
        retraining_request_for_alert(alert=alert)
    return alert


# --- People acting on alerts --------------------------------------------------------------------------


def _locked(alert: Alert, actor) -> Alert:
    alert = Alert.objects.select_for_update().select_related("model_version__model").get(pk=alert.pk)
    if not can(actor, "change", alert):
        raise NotAllowed(f"You may not act on alerts of {alert.model_version.model}: ask one of its owners.")
    return alert


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert, note: str = "", assignee=None) -> Alert:
    """Someone owns the alert now: it stays active (and keeps blocking) until resolved."""
    alert = _locked(alert, actor)
    if alert.status != AlertStatus.OPEN:
        raise Conflict(f"The alert is {alert.get_status_display().lower()}; only an open alert is acknowledged.")
    before = {"status": alert.status, "assignee": str(alert.assignee or "")}
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.assignee = assignee or actor
    if note.strip():
        alert.notes = "\n".join(filter(None, [alert.notes, f"{actor.get_username()}: {note.strip()}"]))
    alert.save(update_fields=["status", "acknowledged_at", "assignee", "notes", "updated_at"])
    audit.record(
        actor=actor,
        action="alert.acknowledged",
        target=alert,
        before=before,
        after={"status": alert.status, "assignee": str(alert.assignee)},
        reason=note,
    )
    return alert


@transaction.atomic
def alert_resolve(*, actor, alert: Alert, root_cause: str, note: str) -> Alert:
    """Close the alert with its root cause and what was done; a new breach later opens a new alert."""
    alert = _locked(alert, actor)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("The alert is already resolved.")
    if root_cause not in RootCause.values:
        raise ApplicationError(
            f"root_cause: choose one of {', '.join(RootCause.values)}.", details={"root_cause": ["Invalid choice."]}
        )
    note = require_text(note, field="note", hint="say what was found and done.")
    before = {"status": alert.status}
    alert.status = AlertStatus.RESOLVED
    alert.root_cause = root_cause
    alert.resolved_at = timezone.now()
    alert.assignee = alert.assignee or actor
    alert.notes = "\n".join(filter(None, [alert.notes, f"{actor.get_username()}: {note}"]))
    alert.save(update_fields=["status", "root_cause", "resolved_at", "assignee", "notes", "updated_at"])
    audit.record(
        actor=actor,
        action="alert.resolved",
        target=alert,
        before=before,
        after={"status": alert.status, "root_cause": root_cause},
        reason=note,
    )
    webhooks.alert_resolved(alert)
    return alert


# --- Budgets ------------------------------------------------------------------------------------------


def _first_of_month(day, field: str):
    if day is None:
        return None
    if not isinstance(day, date):
        raise ApplicationError(f"{field}: give a date, e.g. 2026-07-01.", details={field: ["Invalid."]})
    return day.replace(day=1)


@transaction.atomic
def budget_set(
    *,
    actor,
    monthly_amount,
    valid_from,
    model=None,
    business_unit=None,
    valid_to=None,
    note: str = "",
) -> Budget:
    """Set the monthly cost budget (USD) of a model, or of a whole business unit, from a month on (and until a
    month, when given). Setting it again for the same scope and first month changes the amount, audited."""
    if (model is None) == (business_unit is None):
        raise ApplicationError(
            "Name either a model or a business unit: a budget is set for one of them.",
            details={"model": ["Name a model or a business unit."]},
        )
    if model is not None:
        if not can(actor, "view", model):
            raise NotAllowed(f"model: you may not see “{model}”.")
        business_unit = model.use_case.business_unit
    require_model_perm(actor, Budget, "manage", business_unit=business_unit)
    try:
        amount = Decimal(str(monthly_amount))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            "monthly_amount: give an amount in USD.", details={"monthly_amount": ["Invalid."]}
        ) from exc
    if not amount.is_finite() or amount < 0:
        raise ApplicationError(
            "monthly_amount: give an amount of zero or more USD.", details={"monthly_amount": ["Invalid."]}
        )
    start, end = _first_of_month(valid_from, "valid_from"), _first_of_month(valid_to, "valid_to")
    if start is None:
        raise ApplicationError(
            "valid_from: say from which month the budget applies.", details={"valid_from": ["Required."]}
        )
    if end is not None and end < start:
        raise ApplicationError(
            f"valid_to: the last month ({end:%Y-%m}) comes before the first ({start:%Y-%m}).",
            details={"valid_to": ["Before valid_from."]},
        )
    scope = {"model": model} if model is not None else {"model__isnull": True, "business_unit": business_unit}
    budget = Budget.objects.select_for_update(of=("self",)).filter(valid_from=start, **scope).order_by("pk").first()
    before = {}
    if budget is None:
        budget = Budget(model=model, business_unit=business_unit, valid_from=start, created_by=actor)
    else:
        before = {"monthly_amount": str(budget.monthly_amount), "valid_to": budget.valid_to, "note": budget.note}
    budget.monthly_amount, budget.valid_to, budget.note = amount.quantize(Decimal("0.01")), end, note.strip()[:300]
    validate(budget)
    budget.save()
    audit.record(
        actor=actor,
        action="budget.changed" if before else "budget.set",
        target=budget,
        before=before,
        after={
            "scope": model.name if model is not None else f"unit {business_unit.code}",
            "monthly_amount": str(budget.monthly_amount),
            "valid_from": start,
            "valid_to": end,
            "note": budget.note,
        },
    )
    return budget

"""Monitoring's gate on lifecycle: no promotion to production over an alert that says the version must not run."""

from django.db.models import Q

from monitoring.choices import ACTIVE_ALERT_STATES, RuleAction, Severity

# Rules whose alert takes a version out of production: while such an alert is active on a version (it was
# suspended or rolled back for cause), no path brings it back, a rollback included.
REMOVING_ACTIONS = (RuleAction.SUSPEND, RuleAction.PROPOSE_ROLLBACK)


def no_critical_alert(version) -> str | None:
    """A version may not enter production over an active critical alert of a block-promotion rule, nor over an
    active alert of a rule that suspends it or proposes rolling it back."""
    from monitoring.models import Alert

    alert = (
        Alert.objects.filter(model_version=version, status__in=ACTIVE_ALERT_STATES)
        .filter(
            Q(severity=Severity.CRITICAL, rule__action=RuleAction.BLOCK_PROMOTION)
            | Q(rule__action__in=REMOVING_ACTIONS)
        )
        .select_related("rule")
        .order_by("created_at")
        .first()
    )
    if alert is None:
        return None
    why = (
        ""
        if alert.rule.action == RuleAction.BLOCK_PROMOTION
        else f" (its rule says: {alert.rule.get_action_display().lower()})"
    )
    return (
        f"{alert.get_severity_display()} alert #{alert.pk} “{alert.rule.name}” is {alert.get_status_display().lower()} "
        f"on this version{why}: resolve it before promoting to production."
    )

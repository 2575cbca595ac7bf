"""Monitoring's gate on lifecycle: no promotion to production over an open critical alert."""

from monitoring.choices import ACTIVE_ALERT_STATES, RuleAction, Severity


def no_critical_alert(version) -> str | None:
    """A version with an active critical alert from a block-promotion rule may not enter production."""
    from monitoring.models import Alert

    alert = (
        Alert.objects.filter(
            model_version=version,
            severity=Severity.CRITICAL,
            status__in=ACTIVE_ALERT_STATES,
            rule__action=RuleAction.BLOCK_PROMOTION,
        )
        .select_related("rule")
        .order_by("created_at")
        .first()
    )
    if alert is None:
        return None
    return (
        f"Critical alert #{alert.pk} “{alert.rule.name}” is {alert.get_status_display().lower()} on this version: "
        "resolve it before promoting to production."
    )

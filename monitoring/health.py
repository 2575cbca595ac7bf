"""The health check of production versions: open alerts, stale metrics, and the reasons other apps register
in lifecycle.health (governance: approvals expiring, reassessments overdue). Run by beat
(`monitoring.health_check_all`); the result is one row per version, updated in place."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Max, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from lifecycle import health as lifecycle_health
from lifecycle.choices import Stage
from lifecycle.health import BAD, WARNING, HealthReason
from lifecycle.models import ModelVersion
from lifecycle.panels import Badge
from monitoring.choices import (
    ACTIVE_ALERT_STATES,
    HEALTH_STATUS_COLORS,
    OPEN_RETRAINING_STATES,
    HealthStatus,
    Severity,
)
from monitoring.models import Alert, HealthCheck, MetricSeries

# Points a reason takes off the score of 100.
PENALTY = {BAD: 40, WARNING: 15}


def score_of(reasons: list[HealthReason]) -> tuple[str, int]:
    """Bad if any reason is bad, warning if any is a warning, else good; the score falls with each reason."""
    severities = {r.severity for r in reasons}
    status = HealthStatus.BAD if BAD in severities else HealthStatus.WARNING if severities else HealthStatus.GOOD
    return status, max(0, 100 - sum(PENALTY[r.severity] for r in reasons))


# --- Monitoring's own reasons ------------------------------------------------------------------------


def alert_reasons(*, versions, now) -> dict[int, list[HealthReason]]:
    """Each active alert: critical is bad, warning and info a warning (one query)."""
    alerts = (
        Alert.objects.filter(model_version__in=[v.pk for v in versions], status__in=ACTIVE_ALERT_STATES)
        .select_related("rule")
        .order_by("model_version_id", "-pk")
    )
    found: dict[int, list[HealthReason]] = {}
    for alert in alerts:
        severity = BAD if alert.severity == Severity.CRITICAL else WARNING
        text = f"{alert.get_severity_display()} alert “{alert.rule.name}” is {alert.get_status_display().lower()}."
        found.setdefault(alert.model_version_id, []).append(
            HealthReason(severity, "alert", text, reverse("monitoring:alert_detail", args=[alert.pk]))
        )
    return found


def stale_reasons(*, versions, now) -> dict[int, list[HealthReason]]:
    """No point stored for MONITORING_HEALTH_STALE_HOURS (or none at all) is a warning (one query)."""
    hours = settings.MONITORING_HEALTH_STALE_HOURS
    newest = dict(
        MetricSeries.objects.filter(model_version__in=[v.pk for v in versions])
        .values("model_version_id")
        .annotate(newest=Max("last_timestamp"))
        .values_list("model_version_id", "newest")
    )
    limit_ms = int((now - timedelta(hours=hours)).timestamp() * 1000)
    found: dict[int, list[HealthReason]] = {}
    for version in versions:
        url = reverse("monitoring:version_metrics", args=[version.pk])
        last = newest.get(version.pk)
        if last is None:
            text = "No metric has arrived from MLflow for this version."
        elif last < limit_ms:
            at = datetime.fromtimestamp(last / 1000, tz=UTC)
            text = f"No metric point for more than {hours} hours (the last on {at:%Y-%m-%d %H:%M} UTC)."
        else:
            continue
        found[version.pk] = [HealthReason(WARNING, "stale_metrics", text, url)]
    return found


# --- The check ------------------------------------------------------------------------------------------


@transaction.atomic
def health_check_all(*, now: datetime | None = None) -> dict:
    """Compute the health of every production version and store it in place. A change of status is an
    audit event (and only a change: a run that finds the same status records nothing). Versions that left
    production lose their record. A constant number of queries, plus one event per change."""
    now = now or timezone.now()
    versions = list(
        ModelVersion.objects.filter(stage=Stage.PRODUCTION).select_related("model__use_case").order_by("pk")
    )
    reasons = lifecycle_health.reasons_for(versions=versions, now=now)
    existing = {
        h.model_version_id: h for h in HealthCheck.objects.select_for_update().filter(model_version__in=versions)
    }
    HealthCheck.objects.exclude(model_version__stage=Stage.PRODUCTION).delete()
    created, updated, changed = [], [], 0
    for version in versions:
        found = sorted(reasons.get(version.pk, []), key=lambda r: (r.severity != BAD, r.kind, r.text))
        status, score = score_of(found)
        rows = [r.as_dict() for r in found]
        check = existing.get(version.pk)
        if check is None:
            check = HealthCheck(
                model_version=version, status=status, score=score, reasons=rows, checked_at=now, status_since=now
            )
            created.append(check)
            before = None
        else:
            before = check.status
            if before != status:
                check.status_since = now
            check.status, check.score, check.reasons, check.checked_at = status, score, rows, now
            updated.append(check)
        if before != status:
            changed += 1
            audit.record(
                actor=None,
                action="model_version.health_changed",
                target=version,
                before={"health": before} if before else None,
                after={"health": status, "score": score, "reasons": [r.text for r in found]},
            )
    HealthCheck.objects.bulk_create(created, batch_size=500)
    HealthCheck.objects.bulk_update(
        updated, ["status", "score", "reasons", "checked_at", "status_since"], batch_size=500
    )
    return {"versions": len(versions), "changed": changed}


# --- Shown on lifecycle's pages (registered in monitoring's AppConfig.ready) --------------------------


def model_badges(*, user, model_ids) -> dict[int, Badge]:
    """The worst health of each model's production versions, as a badge (one query)."""
    order = Case(When(status=HealthStatus.BAD, then=0), When(status=HealthStatus.WARNING, then=1), default=2)
    rows = (
        HealthCheck.objects.restrict(user, "view")
        .filter(model_version__model_id__in=model_ids, model_version__stage=Stage.PRODUCTION)
        .order_by("model_version__model_id", order)
        .values_list("model_version__model_id", "status", "score")
    )
    badges: dict[int, Badge] = {}
    for model_id, status, score in rows:
        if model_id not in badges:
            badges[model_id] = Badge(
                label=f"health {HealthStatus(status).label.lower()}",
                color=HEALTH_STATUS_COLORS[status],
                title=f"Health score {score}/100",
                url=f"{reverse('monitoring:health_list')}?status={status}",
            )
    return badges


def model_panel(*, request, model) -> str:
    """The model page's health panel: each production version's status and reasons, and open retraining
    requests."""
    from monitoring import selectors

    checks = list(selectors.health_list(user=request.user).filter(model_version__model=model))
    requests = list(
        selectors.retraining_request_list(user=request.user).filter(model=model, status__in=OPEN_RETRAINING_STATES)[:10]
    )
    return render_to_string(
        "monitoring/partials/model_health_panel.html",
        {"checks": checks, "retraining_requests": requests, "model": model},
        request=request,
    )

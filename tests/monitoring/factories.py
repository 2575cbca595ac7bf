"""A governed version with a series, and points stored the way the sync stores them."""

from datetime import UTC, date, datetime

from django.utils import timezone

from core.seeding import seeding_bypass
from lifecycle import services as lifecycle
from lifecycle.choices import Stage
from lifecycle.models import ModelVersion
from monitoring.models import MetricDefinition, MetricSeries
from monitoring.sync import series_store
from portfolio import services as portfolio
from tests.governance.helpers import walk_to_approved

DAY = 86_400_000
T0 = 1_767_225_600_000


def version_of(*, pm, ds, unit, name="fraud", stage=Stage.PRODUCTION, confidential=False, run_id=None):
    use_case = portfolio.use_case_create(actor=pm, title=f"Use of {name}", business_unit=unit)
    model = lifecycle.model_register(actor=ds, name=name, use_case=use_case, confidential=confidential)
    version = lifecycle.model_version_register(
        actor=ds, model=model, version="1", mlflow_run_id=run_id or f"run-{name}", signature={"inputs": "[amount]"}
    )
    if stage == Stage.APPROVED:
        # A candidate for production: approved the real way, so production's own gates can pass.
        return walk_to_approved(version, actor=ds)
    with seeding_bypass():
        ModelVersion.objects.filter(pk=version.pk).update(stage=stage)
    version.refresh_from_db()
    return version


def series_of(version, metric="psi", run_id=None) -> MetricSeries:
    return MetricSeries.objects.create(
        model_version=version, run_id=run_id or version.mlflow_run_id, metric=MetricDefinition.objects.get(name=metric)
    )


def store(series, values, *, start=0) -> int:
    """Daily points, step = day number from `start`."""
    return series_store(
        series_id=series.pk, points=[(start + i, T0 + (start + i) * DAY, float(v)) for i, v in enumerate(values)]
    )


# --- Spend (cost) by calendar month ---


def month(shift: int) -> date:
    """The first day of the month `shift` months from now (0: this month)."""
    today = timezone.now().astimezone(UTC).date()
    index = today.year * 12 + today.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def spend(version, amounts: dict[int, list[float]], metric="cost_usd"):
    """Daily spend: {month shift: [day 1, day 2, ...]} stored as the sync stores it."""
    series = series_of(version, metric=metric)
    points = []
    for shift, values in amounts.items():
        start = ms(month(shift))
        points += [(len(points), start + i * DAY + 3_600_000, v) for i, v in enumerate(values)]
    series_store(series_id=series.pk, points=points)
    return series

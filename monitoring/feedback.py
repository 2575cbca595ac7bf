"""Feedback and outcomes. Business users and experts flag a prediction of a version (what was expected, a
comment, a rating 1–5): anyone who may see the version may; the owners hear of poor ratings. Systems post the
actual outcomes of predictions in batches: stored once per version and prediction id, and the accuracy per day
of the outcomes becomes the version's `outcome_accuracy` series, judged by the alert rules like synced points."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit import services as audit
from core.exceptions import ApplicationError, Conflict, NotAllowed
from core.permissions import can, require_model_perm
from monitoring.models import Feedback, MetricDefinition, MetricPoint, MetricSeries, Outcome
from notifications.services import notify

POOR_RATING = 2  # ratings at or below this tell the model's owners
MAX_OUTCOMES = 10_000  # items per batch
OUTCOME_METRIC = "outcome_accuracy"
OUTCOME_RUN = "lodestar-outcomes"  # the series' run id: outcomes are Lodestar's own, not an MLflow run
_LABEL_MAX = 200
_CHUNK = 2000  # ids per IN (…) when looking up stored outcomes


# --- Feedback ----------------------------------------------------------------------------------------------


@transaction.atomic
def feedback_give(
    *, actor, version, prediction_id: str, rating: int, expected: str = "", comment: str = ""
) -> Feedback:
    """Flag one prediction of a version. Anyone who may see the version gives feedback."""
    if not getattr(actor, "is_authenticated", False) or not can(actor, "view", version):
        raise NotAllowed(f"You may not see version {version}.")
    errors = {}
    prediction_id = (prediction_id or "").strip()
    if not prediction_id:
        errors["prediction_id"] = ["Name the prediction (its id in the serving system)."]
    elif len(prediction_id) > _LABEL_MAX:
        errors["prediction_id"] = [f"At most {_LABEL_MAX} characters."]
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = ["Rate from 1 (useless) to 5 (spot on)."]
    if len(expected or "") > 500:
        errors["expected"] = ["At most 500 characters."]
    if errors:
        raise ApplicationError("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), details=errors)
    feedback = Feedback.objects.create(
        model_version=version,
        prediction_id=prediction_id,
        rating=rating,
        expected=(expected or "").strip(),
        comment=(comment or "").strip(),
        given_by=actor,
    )
    audit.record(
        actor=actor,
        action="feedback.given",
        target=feedback,
        after={"version": version.pk, "prediction_id": prediction_id, "rating": rating},
        reason=feedback.comment,
    )
    if rating <= POOR_RATING:
        model = version.model
        notify(
            recipients=list(model.owners.all()),
            subject=f"Poor feedback ({rating}/5) on {version}",
            body=(
                f"{actor.get_username()} rated prediction {prediction_id} {rating}/5.\n"
                f"Expected: {feedback.expected or '—'}\n{feedback.comment}"
            ).strip(),
            url=reverse("monitoring:version_metrics", args=[version.pk]),
            category="feedback",
            about=version,
        )
    return feedback


def feedback_list(*, user):
    return Feedback.objects.restrict(user, "view").select_related("given_by", "model_version__model")


@dataclass(frozen=True)
class FeedbackSummary:
    """Adoption and satisfaction of a model: feedback given (ever, last 30 and 90 days), mean ratings."""

    model_id: int
    count: int
    count_30: int
    count_90: int
    mean_rating: float | None
    mean_30: float | None
    mean_90: float | None


def feedback_summary(*, user, model_ids=None) -> dict[int, FeedbackSummary]:
    """Per model the user may see: feedback counts and mean ratings, in one query."""
    now = timezone.now()
    recent = {days: Q(created_at__gte=now - timedelta(days=days)) for days in (30, 90)}
    rows = Feedback.objects.restrict(user, "view")
    if model_ids is not None:
        rows = rows.filter(model_version__model_id__in=list(model_ids))
    rows = (
        rows.order_by()
        .values("model_version__model_id")
        .annotate(
            count=Count("pk"),
            count_30=Count("pk", filter=recent[30]),
            count_90=Count("pk", filter=recent[90]),
            mean_rating=Avg("rating"),
            mean_30=Avg("rating", filter=recent[30]),
            mean_90=Avg("rating", filter=recent[90]),
        )
    )
    return {
        row["model_version__model_id"]: FeedbackSummary(
            model_id=row.pop("model_version__model_id"), **{k: v for k, v in row.items()}
        )
        for row in rows
    }


# --- Outcomes ----------------------------------------------------------------------------------------------


def _bad(index: int, field: str, problem: str) -> ApplicationError:
    return ApplicationError(f"items[{index}].{field}: {problem}", details={"items": {str(index): {field: [problem]}}})


def _label(item: dict, index: int, field: str) -> str:
    value = item.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _bad(index, field, 'give the label as a non-empty string (e.g. "1", "fraud").')
    if len(value) > _LABEL_MAX:
        raise _bad(index, field, f"at most {_LABEL_MAX} characters.")
    return value.strip()


def _clean(items) -> dict[str, tuple[str, str, datetime]]:
    if not isinstance(items, list) or not items:
        raise ApplicationError("items: give a non-empty list of outcomes.", details={"items": ["Required."]})
    if len(items) > MAX_OUTCOMES:
        raise ApplicationError(
            f"items: at most {MAX_OUTCOMES} outcomes per batch; split the {len(items)}.",
            details={"items": [f"At most {MAX_OUTCOMES}."]},
        )
    cleaned: dict[str, tuple[str, str, datetime]] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _bad(index, "item", "give an object {prediction_id, predicted, actual, at}.")
        prediction_id = _label(item, index, "prediction_id")
        predicted, actual = _label(item, index, "predicted"), _label(item, index, "actual")
        text = item.get("at")
        try:
            at = parse_datetime(text) if isinstance(text, str) else None
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            raise _bad(index, "at", "give an ISO date-time with a time zone, e.g. 2026-06-30T12:00:00Z.")
        at = at.astimezone(UTC)
        if at > timezone.now() + timedelta(minutes=5):
            raise _bad(index, "at", "is in the future.")
        value = (predicted, actual, at)
        if cleaned.setdefault(prediction_id, value) != value:
            raise _bad(index, "prediction_id", f"{prediction_id} appears earlier in the batch with other values.")
    return cleaned


@dataclass(frozen=True)
class OutcomeBatch:
    received: int
    inserted: int
    days: int  # days whose accuracy was (re)computed


@transaction.atomic
def outcomes_record(*, actor, version, items) -> OutcomeBatch:
    """Store a batch of outcomes: validated whole before anything is written (a 400 names the bad item),
    idempotent (a re-post inserts nothing), a changed outcome refused (409 naming the prediction id); then the
    accuracy of each day the batch touched is written to the `outcome_accuracy` series."""
    if not getattr(actor, "is_authenticated", False) or not can(actor, "view", version):
        raise NotAllowed(f"You may not see version {version}.")
    require_model_perm(actor, Outcome, "add", business_unit=version.model.use_case.business_unit)
    cleaned = _clean(items)
    ids = list(cleaned)
    stored = {}
    for start in range(0, len(ids), _CHUNK):
        for row in Outcome.objects.filter(model_version=version, prediction_id__in=ids[start : start + _CHUNK]).values(
            "prediction_id", "predicted", "actual", "at"
        ):
            stored[row["prediction_id"]] = (row["predicted"], row["actual"], row["at"].astimezone(UTC))
    for prediction_id, value in stored.items():
        if cleaned[prediction_id] != value:
            raise Conflict(
                f"The outcome of prediction {prediction_id} is already stored with other values; "
                "outcomes are never changed.",
                details={"prediction_id": [prediction_id]},
            )
    new = [
        Outcome(model_version=version, prediction_id=pid, predicted=p, actual=a, at=at)
        for pid, (p, a, at) in cleaned.items()
        if pid not in stored
    ]
    Outcome.objects.bulk_create(new, batch_size=2000)
    days = sorted({outcome.at.date() for outcome in new})
    if new:
        audit.record(
            actor=actor,
            action="outcomes.recorded",
            target=version,
            after={"received": len(items), "inserted": len(new), "days": [d.isoformat() for d in days]},
        )
        outcome_accuracy_store(version=version, days=days)
    return OutcomeBatch(received=len(items), inserted=len(new), days=len(days))


def _day_ms(day) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def outcome_accuracy_store(*, version, days) -> None:
    """Recompute the accuracy of the given days (one query) into the version's `outcome_accuracy` series: a
    day already stored gets its new value; new days go through the sync's series_store, so the alert rules
    judge them like synced points."""
    from monitoring.sync import series_store  # sync imports the services; imported here to avoid a cycle

    series, _ = MetricSeries.objects.get_or_create(
        model_version=version, run_id=OUTCOME_RUN, metric=MetricDefinition.objects.get(name=OUTCOME_METRIC)
    )
    start = datetime(days[0].year, days[0].month, days[0].day, tzinfo=UTC)
    end = datetime(days[-1].year, days[-1].month, days[-1].day, tzinfo=UTC) + timedelta(days=1)
    rows = (
        Outcome.objects.filter(model_version=version, at__gte=start, at__lt=end)
        .annotate(day=TruncDate("at", tzinfo=UTC))
        .values("day")
        .annotate(total=Count("pk"), right=Count("pk", filter=Q(predicted=F("actual"))))
    )
    wanted = set(days)
    accuracy = {_day_ms(r["day"]): r["right"] / r["total"] for r in rows if r["day"] in wanted}
    existing = {p.timestamp: p for p in MetricPoint.objects.filter(series=series, step=0, timestamp__in=accuracy)}
    changed = []
    for timestamp, point in existing.items():
        if point.value != accuracy[timestamp]:
            point.value = accuracy[timestamp]
            changed.append(point)
    MetricPoint.objects.bulk_update(changed, ["value"])
    fresh = [(0, timestamp, value) for timestamp, value in sorted(accuracy.items()) if timestamp not in existing]
    if fresh:
        series_store(series_id=series.pk, points=fresh)

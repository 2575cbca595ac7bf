"""Feedback on predictions (anyone who sees the version; poor ratings tell the owners; summary per model in one
query) and outcomes posted in batches (validated, idempotent, conflicts refused, accuracy per day as a series
that alert rules judge)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from core.exceptions import NotAllowed
from monitoring import feedback, selectors, services
from monitoring.models import Alert, Feedback, MetricDefinition, MetricPoint, MetricSeries, Outcome
from notifications.models import Notification
from tests.monitoring.factories import version_of

DAY1 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


@pytest.fixture
def people(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    outsider_pm = make_user("pm_corp", "program_manager", units=(units["CORP"],))
    outsider_ds = make_user("ds_corp", "data_scientist", units=(units["CORP"],))
    return pm, ds, outsider_pm, outsider_ds


@pytest.fixture
def version(people, units):
    pm, ds, *_ = people
    return version_of(pm=pm, ds=ds, unit=units["RETAIL"])


@pytest.fixture
def secret(people, units):
    pm, ds, *_ = people
    return version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="secret", confidential=True)


def _give(client, version, **fields):
    body = {"model_version": version.pk, "prediction_id": "p-1", "rating": 4, "expected": "", "comment": "ok"}
    return client.post("/api/v1/feedback/", {**body, **fields}, format="json")


# --- Feedback ----------------------------------------------------------------------------------------------


def test_anyone_who_sees_the_version_gives_feedback_audited(api, people, version):
    pm, ds, outsider_pm, _ = people
    answer = _give(api(outsider_pm), version, prediction_id="tx-42", expected="not fraud", comment="a regular")
    assert answer.status_code == 201, answer.content
    given = Feedback.objects.get()
    assert (given.given_by, given.prediction_id, given.expected, given.rating) == (outsider_pm, "tx-42", "not fraud", 4)
    assert AuditEvent.objects.filter(action="feedback.given", target_id=str(given.pk)).exists()
    assert not Notification.objects.filter(subject__startswith="Poor feedback").exists()


def test_a_poor_rating_tells_the_model_owners(api, people, version):
    pm, ds, *_ = people
    assert _give(api(pm), version, rating=2, comment="flagged a loyal customer").status_code == 201
    told = Notification.objects.get(subject__startswith="Poor feedback")
    assert told.recipient == ds and "2/5" in told.subject and "loyal customer" in told.body


def test_a_confidential_version_of_another_unit_is_a_404_and_bad_ratings_a_400(api, people, secret, version):
    _, _, outsider_pm, _ = people
    assert _give(api(outsider_pm), secret).status_code == 404
    for rating in (0, 6, "five"):
        answer = _give(api(outsider_pm), version, rating=rating)
        assert answer.status_code == 400 and "rating" in answer.json(), answer.content
    assert _give(api(outsider_pm), version, prediction_id="  ").status_code == 400
    assert not Feedback.objects.exists()
    with pytest.raises(NotAllowed):
        feedback.feedback_give(actor=outsider_pm, version=secret, prediction_id="p", rating=3)


def test_the_list_is_scoped(api, people, version, secret):
    pm, ds, outsider_pm, _ = people
    feedback.feedback_give(actor=ds, version=version, prediction_id="a", rating=5)
    feedback.feedback_give(actor=ds, version=secret, prediction_id="b", rating=1)
    seen = {row["prediction_id"] for row in api(outsider_pm).get("/api/v1/feedback/").json()["results"]}
    assert seen == {"a"}
    seen = {row["prediction_id"] for row in api(ds).get("/api/v1/feedback/").json()["results"]}
    assert seen == {"a", "b"}


def test_summary_counts_and_means_over_30_and_90_days_in_one_query(people, version, secret, django_assert_num_queries):
    pm, ds, outsider_pm, _ = people
    for rating, days_ago in ((5, 1), (3, 10), (2, 60), (1, 200)):
        given = feedback.feedback_give(actor=ds, version=version, prediction_id=f"p{rating}", rating=rating)
        Feedback.objects.filter(pk=given.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    feedback.feedback_give(actor=ds, version=secret, prediction_id="s", rating=4)
    with django_assert_num_queries(1):
        summary = selectors.feedback_summary(user=ds)
    mine = summary[version.model_id]
    assert (mine.count, mine.count_30, mine.count_90) == (4, 2, 3)
    assert (mine.mean_30, mine.mean_90, mine.mean_rating) == (4.0, pytest.approx(10 / 3), 2.75)
    assert summary[secret.model_id].count == 1
    assert set(selectors.feedback_summary(user=outsider_pm)) == {version.model_id}
    assert set(selectors.feedback_summary(user=ds, model_ids=[secret.model_id])) == {secret.model_id}


def test_the_version_page_shows_the_summary_and_takes_feedback(client, people, version):
    pm, ds, *_ = people
    client.force_login(pm)
    url = f"/monitoring/versions/{version.pk}/metrics/"
    answer = client.post(
        f"/monitoring/versions/{version.pk}/feedback/", {"prediction_id": "tx-9", "rating": "1", "comment": "wrong"}
    )
    assert answer.status_code == 302
    page = client.get(url).content.decode()
    assert "1 feedback in all" in page and "mean rating 1.0/5" in page and "tx-9" in page
    assert Notification.objects.filter(recipient=ds, subject__startswith="Poor feedback").exists()


# --- Outcomes ----------------------------------------------------------------------------------------------


def _item(pid, predicted, actual, at=DAY1):
    return {"prediction_id": pid, "predicted": predicted, "actual": actual, "at": at.isoformat()}


def _post(client, version, items):
    return client.post("/api/v1/outcomes/", {"model_version": version.pk, "items": items}, format="json")


def _accuracy(version):
    series = MetricSeries.objects.get(model_version=version, metric__name="outcome_accuracy")
    return [p.value for p in MetricPoint.objects.filter(series=series).order_by("timestamp")]


def test_a_batch_is_stored_and_its_daily_accuracy_becomes_a_series(api, people, version):
    _, ds, *_ = people
    items = [_item("1", "1", "1"), _item("2", "1", "0"), _item("3", "fraud", "fraud", DAY2), _item("4", "0", "0")]
    answer = _post(api(ds), version, items)
    assert answer.status_code == 201, answer.content
    assert answer.json() == {"received": 4, "inserted": 4, "days": 2}
    assert _accuracy(version) == [pytest.approx(2 / 3), 1.0]
    assert AuditEvent.objects.filter(action="outcomes.recorded").count() == 1


def test_a_repost_inserts_nothing_and_a_changed_outcome_is_a_409(api, people, version):
    _, ds, *_ = people
    items = [_item("1", "1", "1"), _item("2", "1", "0")]
    assert _post(api(ds), version, items).status_code == 201
    again = _post(api(ds), version, items)
    assert again.status_code == 201 and again.json()["inserted"] == 0
    changed = _post(api(ds), version, [_item("3", "1", "1"), _item("2", "1", "1")])
    assert changed.status_code == 409 and "2" in changed.json()["detail"], changed.content
    assert Outcome.objects.count() == 2  # the whole batch refused


def test_a_later_batch_updates_the_day_it_adds_to(api, people, version):
    _, ds, *_ = people
    _post(api(ds), version, [_item("1", "1", "1")])
    _post(api(ds), version, [_item("2", "1", "0")])
    assert _accuracy(version) == [0.5]


@pytest.mark.parametrize(
    ("items", "where"),
    [
        (
            [_item("1", "1", "1"), {"prediction_id": "2", "predicted": 1, "actual": "1", "at": DAY1.isoformat()}],
            "items[1].predicted",
        ),
        (
            [_item("1", "1", "1"), _item("2", "1", "1"), {**_item("3", "1", "1"), "at": "2026-03-01T10:00"}],
            "items[2].at",
        ),
        ([_item("1", "1", "1"), _item("1", "0", "1")], "items[1].prediction_id"),
        ([_item("1", "1", "")], "items[0].actual"),
        (["x"], "items[0].item"),
        ([], "items:"),
    ],
)
def test_bad_items_are_a_400_naming_the_index(api, people, version, items, where):
    _, ds, *_ = people
    answer = _post(api(ds), version, items)
    assert answer.status_code == 400 and where in answer.json()["detail"], answer.content
    assert not Outcome.objects.exists()


def test_batch_size_is_limited(api, people, version, settings):
    _, ds, *_ = people
    items = [_item(str(i), "1", "1") for i in range(feedback.MAX_OUTCOMES + 1)]
    answer = _post(api(ds), version, items)
    assert answer.status_code == 400 and "at most 10000" in answer.json()["detail"]


def test_outcomes_need_the_permission_in_the_unit(api, people, version, secret):
    pm, ds, outsider_pm, outsider_ds = people
    assert _post(api(pm), version, [_item("1", "1", "1")]).status_code == 403
    assert _post(api(outsider_ds), version, [_item("1", "1", "1")]).status_code == 403
    assert _post(api(outsider_ds), secret, [_item("1", "1", "1")]).status_code == 404
    assert not Outcome.objects.exists()


def test_alert_rules_judge_outcome_accuracy(api, people, version):
    _, ds, *_ = people
    services.alert_rule_create(
        actor=ds,
        name="Outcomes slip",
        metric=MetricDefinition.objects.get(name="outcome_accuracy"),
        scope_kind="model",
        model=version.model,
        condition="below",
        threshold=0.8,
    )
    _post(api(ds), version, [_item("1", "1", "1"), _item("2", "1", "1")])
    assert not Alert.objects.exists()
    _post(api(ds), version, [_item("3", "1", "0", DAY2), _item("4", "1", "1", DAY2)])
    alert = Alert.objects.get()
    assert alert.last_value == 0.5 and alert.series.metric.name == "outcome_accuracy"


def _reads(client, version, n, first):
    items = [_item(str(i), "1", "1" if i % 4 else "0", DAY1 + timedelta(hours=i % 10)) for i in range(first, first + n)]
    with CaptureQueriesContext(connection) as seen:
        answer = _post(client, version, items)
    assert answer.json()["inserted"] == n
    return [q["sql"] for q in seen.captured_queries if not q["sql"].startswith("INSERT")]


def test_a_batch_takes_the_same_queries_whatever_its_size_besides_bulk_inserts(api, people, version):
    _, ds, *_ = people
    _post(api(ds), version, [_item("first", "1", "0")])  # the series exists, and its day's point
    small = _reads(api(ds), version, 100, 0)
    large = _reads(api(ds), version, 1899, 100)  # one IN (...) chunk of ids either way
    assert len(large) == len(small) <= 25
    assert _accuracy(version) == [1499 / 2000]

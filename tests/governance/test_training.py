"""Training records: single entry and CSV import (all or nothing, problems named by row), coverage of the sign-off
functions, expiry reminders (a beat task), and the API, each through one service with an audit event."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditEvent
from governance import selectors, services
from governance.models import TrainingRecord
from notifications.models import Notification
from tests.governance.helpers import person, signer_for

TODAY = timezone.localdate()


@pytest.fixture
def admin(db):
    return person("platform", "platform_admin")


def day(offset: int) -> str:
    return f"{TODAY + timedelta(days=offset):%Y-%m-%d}"


def test_an_admin_records_a_training_on_the_page_and_it_is_audited(admin, client):
    learner = person("learner", "review_board", trained=False)
    client.force_login(admin)
    response = client.post(
        "/governance/training/",
        {"user": learner.pk, "course": "ai_literacy", "completed_on": day(-2), "expires_on": day(363)},
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(user=learner)
    assert (record.recorded_by, record.source) == (admin, "entered by hand")
    assert AuditEvent.objects.filter(action="training.recorded", target_id=str(learner.pk)).exists()
    assert services.has_current_training(learner)


def test_a_bad_date_is_named_next_to_its_field_and_nothing_is_saved(admin, client):
    learner = person("learner", "review_board", trained=False)
    client.force_login(admin)
    response = client.post(
        "/governance/training/",
        {"user": learner.pk, "course": "ai_literacy", "completed_on": day(-2), "expires_on": day(-5)},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "training expires after it was completed" in " ".join(form.errors["expires_on"])
    assert not TrainingRecord.objects.filter(user=learner).exists()
    missing = client.post("/governance/training/", {"course": "ai_literacy", "completed_on": day(-2)})
    assert set(missing.context["form"].errors) == {"user", "expires_on"}


def test_the_person_list_shows_full_names_and_no_dashes(admin, client):
    grace = person("grace", "review_board")
    grace.last_name = "Okafor"
    grace.save()
    client.force_login(admin)
    page = client.get("/governance/training/").content.decode()
    assert "Grace Okafor" in page and "---------" not in page


def test_the_pages_do_not_exist_for_people_who_do_not_record_training(db, client):
    client.force_login(person("reader", "review_board"))
    assert client.get("/governance/training/").status_code == 404
    assert client.get("/governance/training/import/").status_code == 404


def csv_file(text: str, name: str = "lms.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_a_csv_with_one_bad_row_imports_nothing_and_names_each_problem(admin, client):
    a = person("a-learner", "review_board", trained=False)
    a.email = "a.learner@example.com"
    a.save()
    text = (
        "email,completed_on,expires_on\n"
        f"A.Learner@example.com,{day(-1)},{day(364)}\n"
        f"ghost@example.com,{day(-1)},{day(364)}\n"
        f"a.learner@example.com,31/12/2026,{day(364)}\n"
    )
    client.force_login(admin)
    response = client.post("/governance/training/import/", {"file": csv_file(text)})
    assert response.status_code == 400
    errors = response.context["row_errors"]
    assert any("Row 3" in e and "ghost@example.com" in e for e in errors)
    assert any("Row 4" in e and "31/12/2026" in e for e in errors)
    assert "nothing was imported" in " ".join(response.context["form"].errors["file"])
    assert not TrainingRecord.objects.filter(user=a).exists()


def test_a_good_csv_imports_every_row_once(admin, client):
    a = person("a-learner", "review_board", trained=False)
    a.email = "a.learner@example.com"
    a.save()
    text = f"username,course,completed_on,expires_on\na-learner,ai_literacy,{day(-1)},{day(364)}\n"
    client.force_login(admin)
    assert client.post("/governance/training/import/", {"file": csv_file(text)}).status_code == 302
    assert TrainingRecord.objects.get(user=a).source == "import lms.csv"
    client.post("/governance/training/import/", {"file": csv_file(text)})
    assert TrainingRecord.objects.filter(user=a).count() == 1  # the same file twice adds nothing
    assert AuditEvent.objects.filter(action="training.imported").count() == 2


def test_a_file_without_the_needed_columns_is_refused_by_name(admin):
    report = services.training_import_check(text="name,date\nx,2026-01-01\n")
    assert report.errors == ["The file lacks the columns email (or username), completed_on, expires_on."]


def test_coverage_names_who_can_sign_without_current_training(admin, client):
    trained = signer_for("risk")
    lapsed = person("lapsed-risk", "review_board", "sign_off_risk", trained=False)
    TrainingRecord.objects.create(
        user=lapsed, completed_on=TODAY - timedelta(days=400), expires_on=TODAY - timedelta(days=35)
    )
    rows = {row.function: row for row in selectors.training_coverage()}
    states = {h.user.username: h.state for h in rows["Risk"].holders}
    assert states == {trained.username: "current", "lapsed-risk": "expired"}
    client.force_login(admin)
    uncovered = client.get("/governance/training/").content.decode().split('data-testid="training-uncovered"')[1]
    assert "Lapsed-Risk" in uncovered.split("</section>")[0]
    assert trained.first_name not in uncovered.split("</section>")[0]


def test_reminders_go_once_to_people_whose_training_expires_soon_and_to_the_admins(admin):
    soon = person("soon", "review_board", trained=False)
    TrainingRecord.objects.create(
        user=soon, completed_on=TODAY - timedelta(days=350), expires_on=TODAY + timedelta(days=10)
    )
    renewed = person("renewed", "review_board", trained=False)
    TrainingRecord.objects.create(
        user=renewed, completed_on=TODAY - timedelta(days=350), expires_on=TODAY + timedelta(days=5)
    )
    TrainingRecord.objects.create(user=renewed, completed_on=TODAY, expires_on=TODAY + timedelta(days=365))
    assert services.training_expiry_remind() == 1
    assert Notification.objects.filter(recipient=soon, subject__contains="expires on").exists()
    assert Notification.objects.filter(recipient=admin, subject__contains="Soon").exists()
    assert not Notification.objects.filter(recipient=renewed).exists()
    assert AuditEvent.objects.filter(action="training.reminder_sent", target_id=str(soon.pk)).count() == 1
    assert services.training_expiry_remind() == 0  # once per record


def test_the_reminder_task_is_on_the_beat_schedule_within_the_global_limits(db, settings):
    from django_celery_beat.models import PeriodicTask

    from governance.tasks import training_expiry_reminders

    assert PeriodicTask.objects.filter(task="governance.training_expiry_reminders").exists()
    limit, soft = training_expiry_reminders.time_limit, training_expiry_reminders.soft_time_limit
    assert soft < limit <= settings.CELERY_TASK_TIME_LIMIT


def test_the_api_records_training_for_admins_only_and_shows_others_their_own(admin, api):
    learner = person("learner", "review_board", trained=False)
    body = {"user": learner.pk, "completed_on": day(-1), "expires_on": day(364)}
    created = api(admin).post("/api/v1/training-records/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["user_name"] == "Learner"
    bad = api(admin).post("/api/v1/training-records/", {**body, "expires_on": day(-3)}, format="json")
    assert bad.status_code == 400 and "expires_on" in bad.content.decode()
    assert api(learner).post("/api/v1/training-records/", body, format="json").status_code == 403
    assert TrainingRecord.objects.filter(user=learner).count() == 1
    mine = api(learner).get("/api/v1/training-records/").json()
    assert [r["user"] for r in mine["results"]] == [learner.pk]
    assert api(person("other", "review_board")).get("/api/v1/training-records/").json()["count"] == 1

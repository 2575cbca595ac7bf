"""Training records: signers need current AI-literacy training (EU AI Act Art. 4). Admins record it one by one
or import a learning system's export; a daily task reminds people whose training is about to expire."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core.exceptions import ApplicationError
from core.permissions import holders_of_perm, require_model_perm
from governance.choices import Course
from governance.models import TrainingRecord
from notifications import services as notifications

REMINDER_DAYS = 30  # how long before expiry people (and their admins) are reminded
IMPORT_COLUMNS = ("email", "username", "course", "completed_on", "expires_on")
MAX_IMPORT_ROWS = 5000


def _dates(completed_on, expires_on) -> None:
    if completed_on is None:
        raise ApplicationError("completed_on: give the day the course was completed.", details={"completed_on": []})
    if expires_on is None:
        raise ApplicationError("expires_on: give the day the training expires.", details={"expires_on": []})
    if expires_on <= completed_on:
        raise ApplicationError(
            "expires_on: training expires after it was completed; give a later day.",
            details={"expires_on": ["Not after completion."]},
        )
    if completed_on > timezone.localdate():
        raise ApplicationError(
            "completed_on: a course cannot be completed in the future.", details={"completed_on": ["In the future."]}
        )


def _course(course: str) -> str:
    if course not in Course.values:
        raise ApplicationError(
            f"course: unknown course “{course}”; use {', '.join(Course.values)}.", details={"course": ["Unknown."]}
        )
    return course


def _create(*, actor, user, course: str, completed_on, expires_on, source: str) -> TrainingRecord:
    record = TrainingRecord.objects.create(
        user=user, course=course, completed_on=completed_on, expires_on=expires_on, recorded_by=actor, source=source
    )
    audit.record(
        actor=actor,
        action="training.recorded",
        target=user,
        after={"course": course, "completed_on": completed_on, "expires_on": expires_on, "source": source},
    )
    return record


@transaction.atomic
def training_record_add(
    *, actor, user, completed_on, expires_on, course: str = Course.AI_LITERACY, source: str = "entered by hand"
) -> TrainingRecord:
    """Record one completed training (platform admins)."""
    require_model_perm(actor, TrainingRecord, "add")
    if user is None or not user.is_active:
        raise ApplicationError("user: choose an active person.", details={"user": ["Required."]})
    _dates(completed_on, expires_on)
    return _create(
        actor=actor,
        user=user,
        course=_course(course),
        completed_on=completed_on,
        expires_on=expires_on,
        source=source[:100],
    )


# --- CSV import from a learning system ------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import found: the rows it would record, the ones already on record, and each problem by row."""

    to_record: list[dict] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # row numbers of records already there
    errors: list[str] = field(default_factory=list)
    recorded: int = 0


def _parse_day(value: str, column: str, row: int, errors: list[str]) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        errors.append(f"Row {row}: {column} “{(value or '').strip()}” is not a date like 2026-03-31.")
        return None


def _people_by(column: str, keys: set[str]) -> dict[str, object]:
    """Active people by lower-cased email or username; an email two people share matches nobody."""
    users = get_user_model().objects.filter(is_active=True).annotate(key=Lower(column)).filter(key__in=keys - {""})
    found: dict[str, list] = {}
    for user in users:
        found.setdefault(user.key, []).append(user)
    return {key: people[0] for key, people in found.items() if len(people) == 1}


def training_import_check(*, text: str) -> ImportReport:
    """Read a learning system's CSV export and check every row, writing nothing."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {(c or "").strip().lower() for c in reader.fieldnames or []}
    person_column = "email" if "email" in columns else "username" if "username" in columns else None
    missing = [c for c in ("completed_on", "expires_on") if c not in columns]
    if person_column is None or missing:
        needed = ([] if person_column else ["email (or username)"]) + missing
        report.errors.append(f"The file lacks the column{'s' if len(needed) > 1 else ''} {', '.join(needed)}.")
        return report
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
    if not rows:
        report.errors.append("The file has a header but no row.")
        return report
    if len(rows) > MAX_IMPORT_ROWS:
        report.errors.append(f"The file has {len(rows)} rows; import at most {MAX_IMPORT_ROWS} at a time.")
        return report
    people = _people_by(person_column, {row.get(person_column, "").lower() for row in rows})
    seen: set[tuple] = set()
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        errors: list[str] = []
        key = row.get(person_column, "").lower()
        user = people.get(key)
        if not key:
            errors.append(f"Row {number}: {person_column} is empty.")
        elif user is None:
            errors.append(f"Row {number}: {person_column} “{row[person_column]}” matches no active person in Lodestar.")
        course = row.get("course") or Course.AI_LITERACY
        if course not in Course.values:
            errors.append(f"Row {number}: course “{course}” is unknown; use {', '.join(Course.values)}.")
        completed = _parse_day(row.get("completed_on", ""), "completed_on", number, errors)
        expires = _parse_day(row.get("expires_on", ""), "expires_on", number, errors)
        if completed and expires and expires <= completed:
            errors.append(f"Row {number}: expires_on {expires} is not after completed_on {completed}.")
        if completed and completed > timezone.localdate():
            errors.append(f"Row {number}: completed_on {completed} is in the future.")
        if errors:
            report.errors.extend(errors)
            continue
        identity = (user.pk, course, completed, expires)
        if (
            identity in seen
            or TrainingRecord.objects.filter(
                user=user, course=course, completed_on=completed, expires_on=expires
            ).exists()
        ):
            report.already.append(number)
            continue
        seen.add(identity)
        report.to_record.append(
            {"row": number, "user": user, "course": course, "completed_on": completed, "expires_on": expires}
        )
    return report


@transaction.atomic
def training_records_import(*, actor, text: str, file_name: str = "") -> ImportReport:
    """Import a learning system's export: every row is checked first, and one bad row records nothing (the
    report names each problem by row). Rows already on record are skipped, so the same file twice adds nothing."""
    require_model_perm(actor, TrainingRecord, "add")
    report = training_import_check(text=text)
    if report.errors:
        raise ApplicationError(
            f"file: nothing was imported; fix {len(report.errors)} problem{'s' if len(report.errors) > 1 else ''} "
            "and import the file again.",
            details={"file": report.errors},
        )
    source = f"import {file_name}"[:100] if file_name else "import"
    for row in report.to_record:
        _create(
            actor=actor,
            user=row["user"],
            course=row["course"],
            completed_on=row["completed_on"],
            expires_on=row["expires_on"],
            source=source,
        )
    report.recorded = len(report.to_record)
    audit.record(
        actor=actor,
        action="training.imported",
        target=None,
        target_repr=file_name or "training import",
        after={"recorded": report.recorded, "already_on_record": len(report.already)},
    )
    return report


# --- Expiry reminders ---------------------------------------------------------------------------------------


@transaction.atomic
def training_expiry_remind(*, today: date | None = None) -> int:
    """Tell each person whose AI-literacy training expires within REMINDER_DAYS (and has no later record), and
    the platform admins who record training, once per record. Returns how many records were reminded of."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=REMINDER_DAYS)
    renewed = TrainingRecord.objects.filter(course=Course.AI_LITERACY, expires_on__gt=horizon).values("user_id")
    due = list(
        TrainingRecord.objects.select_for_update()
        .filter(
            course=Course.AI_LITERACY,
            expires_on__gte=today,
            expires_on__lte=horizon,
            reminded_on__isnull=True,
            user__is_active=True,
        )
        .exclude(user_id__in=renewed)
        .select_related("user")
        .order_by("expires_on", "pk")
    )
    if not due:
        return 0
    url = reverse("governance:training_records")
    admins = list(holders_of_perm("governance.add_trainingrecord"))
    for record in due:
        person = record.user.get_full_name() or record.user.get_username()
        notifications.notify(
            recipients=[record.user],
            subject=f"Your AI-literacy training expires on {record.expires_on:%Y-%m-%d}",
            body="Without current training you cannot sign reviews. Take the course again and send the certificate "
            "to a platform admin, who records it in Lodestar.",
            url=url,
            category="training",
            about=None,  # names a person's training, no governed record
        )
        notifications.notify(
            recipients=[a for a in admins if a.pk != record.user_id],
            subject=f"AI-literacy training of {person} expires on {record.expires_on:%Y-%m-%d}",
            body="Record the renewed training when it is completed.",
            url=url,
            category="training",
            about=None,  # names a person's training, no governed record
        )
        record.reminded_on = today
        record.save(update_fields=["reminded_on"])
        audit.record(
            actor=None,
            action="training.reminder_sent",
            target=record.user,
            after={"course": record.course, "expires_on": record.expires_on},
        )
    return len(due)

"""The Django admin is a governed surface (RELIABILITY T24): every model registered there that an admin may add
or change is saved through a service and leaves an audit event, whoever saves it (a superuser or a staff admin who
is not one); usernames never change and are never reassigned; only a superuser grants staff or superuser status;
a password an admin sets cannot sign until its holder sets their own; the guard periodic tasks stay on; every
admin that shows governed records shows only what its reader may see."""

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from audit.models import AuditEvent
from core import accounts
from core.exceptions import NotAllowed
from core.schedules import guard_tasks
from governance import services as governance
from governance.models import Review
from lifecycle import services as lifecycle
from portfolio import services as portfolio
from sourcing.models import Vendor
from tests.governance.conftest import MEDIUM_ANSWERS, submit
from tests.governance.helpers import LOW_ANSWERS, approve_assessment, person, signer_for

ADMIN_PASSWORD = "admin-pass-2026"
NEW_PASSWORD = "Set-by-the-admin-2026"
PASSWORD_PAGE = "/accounts/password/"  # the change-password page (core/urls.py under accounts/)


@pytest.fixture
def root(make_user):
    return make_user("root", is_staff=True, is_superuser=True, password=ADMIN_PASSWORD)


@pytest.fixture
def staff(make_user):
    """A platform admin with staff status who is not a superuser: the attacker of issue 20."""
    return make_user("padmin", "platform_admin", is_staff=True, password=ADMIN_PASSWORD)


@pytest.fixture
def open_review(units):
    """A version of a medium-tier use case, submitted: its review waits for a validation signature."""
    ds = person("ds", "data_scientist", units=(units["RETAIL"],))
    pm = person("pm", "program_manager", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(
        actor=pm, title="Fraud scoring", business_unit=units["RETAIL"], problem_statement="Flag card fraud."
    )
    model = lifecycle.model_register(actor=ds, name="fraud-scorer", use_case=use_case)
    approve_assessment(use_case, {**LOW_ANSWERS, **MEDIUM_ANSWERS})
    return Review.objects.get(version=submit(ds, model), status="open")


def _client_for(client, user):
    client.force_login(user)
    return client


# --- Reading an admin form as the browser would send it back ---


class _FormReader(HTMLParser):
    """The fields of the admin's change form, with the values a browser would submit unchanged."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select, self._textarea, self._multiple = None, None, False

    def _put(self, name, value, multiple=False):
        if multiple:
            self.data.setdefault(name, []).append(value)
        else:
            self.data[name] = value

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._put(name, attrs.get("value", "on"), multiple=kind == "checkbox" and name in self.data)
                return
            self._put(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select, self._multiple = name, "multiple" in attrs
            if self._multiple:
                self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self._put(self._select, attrs.get("value", ""), multiple=self._multiple)
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n") if not self.data[self._textarea] else data


def _form_data(html: str, model) -> dict:
    reader = _FormReader(f"{model._meta.model_name}_form")
    reader.feed(html)
    assert reader.data, f"no change form found for {model._meta.label}"
    return reader.data


def _edit_one_field(model, data: dict) -> str:
    """Change one editable value the way an admin would: a text gets words, a number grows by one."""
    for name in ("first_name", "description", "name"):
        if name in data and isinstance(data[name], str):
            data[name] += " (edited)"
            return name
    for field in model._meta.concrete_fields:
        value = data.get(field.name)
        if field.primary_key or field.choices or not isinstance(value, str) or not value:
            continue
        if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
            data[field.name] = str(Decimal(value) + 1)
            return field.name
        if isinstance(field, models.CharField) and value.isdigit():
            data[field.name] = str(int(value) + 1)
            return field.name
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DateTimeField) and f"{field.name}_0" in data:
            day = datetime.date.fromisoformat(data[f"{field.name}_0"])
            data[f"{field.name}_0"] = (day + datetime.timedelta(days=1)).isoformat()
            return field.name
    raise AssertionError(f"{model._meta.label}: no field this test knows how to change; teach _edit_one_field")


# Admins that add records but never change them: the form to add one (the world below provides what it names).
ADD_ONLY = {
    "portfolio.membership": lambda w: {"user": w["member"].pk, "business_unit": w["units"]["OPS"].pk},
    "portfolio.capability": lambda w: {"name": "Document understanding", "description": "", "parent": ""},
}


@pytest.fixture
def admin_world(units, make_user, root, staff):
    """At least one record of every model an admin may change, none of them a guard's schedule."""
    IntervalSchedule.objects.create(every=3, period="hours")
    CrontabSchedule.objects.create(minute="7", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=Decimal("50.85"), longitude=Decimal("4.35"))
    ClockedSchedule.objects.create(clocked_time=timezone.now() + datetime.timedelta(days=2))
    Vendor.objects.create(name="Acme Models")
    return {"units": units, "member": make_user("member"), "target": make_user("target", "data_scientist")}


def _save_every_admin_model(client, user, world) -> tuple[list[str], list[str]]:
    request = RequestFactory().get("/admin/")
    request.user = user
    saved, without_event = [], []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
        queryset = model_admin.get_queryset(request).order_by("-pk")
        candidates = [obj for obj in queryset[:20] if model_admin.has_change_permission(request, obj)]
        if model is User:
            candidates = [world["target"]]
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        if candidates:
            obj = candidates[0]
            data = _form_data(client.get(f"{base}/{obj.pk}/change/").content.decode(), model)
            _edit_one_field(model, data)
            response = client.post(f"{base}/{obj.pk}/change/", data)
            pk = obj.pk
        elif model_admin.has_add_permission(request):
            assert label in ADD_ONLY, f"{label}: its admin adds records; give ADD_ONLY a form for it"
            response = client.post(f"{base}/add/", ADD_ONLY[label](world))
            pk = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        else:
            continue
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
        assert response.status_code == 302, f"{label}: {response.status_code} {errors}"
        saved.append(label)
        if not AuditEvent.objects.filter(seq__gt=last, target_type=label, target_id=str(pk)).exists():
            without_event.append(label)
    return saved, without_event


@pytest.mark.parametrize("who", ["root", "staff"])
def test_every_admin_save_writes_an_audit_event(who, client, admin_world, request):
    user = request.getfixturevalue(who)
    saved, without_event = _save_every_admin_model(_client_for(client, user), user, admin_world)
    print(f"T24 ({who}): {len(saved)} admin models saved, {len(without_event)} without an event")
    assert without_event == []
    # Users, role groups, periodic tasks, business units, criteria and vendors are changed by both.
    assert {"auth.user", "auth.group", "django_celery_beat.periodictask", "portfolio.businessunit"} <= set(saved)
    if who == "root":
        assert len(saved) >= 12  # every schedule kind and the metric catalogue too


# --- Users: privileges, usernames, passwords ---


def _user_form(client, user) -> dict:
    return _form_data(client.get(f"/admin/auth/user/{user.pk}/change/").content.decode(), User)


def test_a_staff_admin_who_is_not_a_superuser_cannot_grant_superuser_or_staff(client, staff, admin_world):
    target = admin_world["target"]
    client = _client_for(client, staff)
    data = {**_user_form(client, target), "is_superuser": "on", "is_staff": "on"}  # a crafted POST
    client.post(f"/admin/auth/user/{target.pk}/change/", data)
    target.refresh_from_db()
    assert not target.is_superuser and not target.is_staff
    # The service refuses it whatever the entry point (a shell, the API).
    with pytest.raises(NotAllowed, match="only a superuser grants"):
        accounts.user_update(actor=staff, user=target, is_superuser=True)
    with pytest.raises(NotAllowed, match="only a superuser grants"):
        accounts.user_create(actor=staff, username="sneaky", is_staff=True)
    assert not User.objects.filter(username="sneaky").exists()


def test_a_superuser_grants_staff_and_it_is_audited_with_before_and_after(client, root, admin_world):
    target = admin_world["target"]
    client = _client_for(client, root)
    response = client.post(f"/admin/auth/user/{target.pk}/change/", {**_user_form(client, target), "is_staff": "on"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.user_updated", target_id=str(target.pk))
    assert event.changes == {"is_staff": [False, True]} and event.actor_name == "root"


def test_a_staff_admin_cannot_touch_a_superusers_account(client, staff, root):
    client = _client_for(client, staff)
    response = client.post(
        f"/admin/auth/user/{root.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password(ADMIN_PASSWORD)


def test_usernames_never_change(client, staff, admin_world):
    target = admin_world["target"]
    client = _client_for(client, staff)
    client.post(f"/admin/auth/user/{target.pk}/change/", {**_user_form(client, target), "username": "renamed"})
    target.refresh_from_db()
    assert target.username == "target"
    with pytest.raises(NotAllowed, match="usernames never change"):
        accounts.user_update(actor=staff, user=target, username="renamed")
    target.username = "renamed"
    with pytest.raises(NotAllowed, match="usernames never change"):
        target.save()  # the model guard, for a shell that bypasses the services
    assert User.objects.filter(username="renamed").count() == 0


def test_a_username_is_never_reassigned_even_after_a_rename(client, staff, make_user):
    signer = make_user("alice", password=ADMIN_PASSWORD)
    assert client.login(username="alice", password=ADMIN_PASSWORD)  # alice is on the audit trail now
    client.logout()
    # An account renamed before usernames became immutable (a queryset update skips the model guard).
    User.objects.filter(pk=signer.pk).update(username="alice-old")
    client = _client_for(client, staff)
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "alice", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="alice").exists()
    # A fresh name is fine, and its creation is on the trail (its password by who set it, never the hash).
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "bob", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    bob = User.objects.get(username="bob")
    created = AuditEvent.objects.get(action="auth.user_created", target_id=str(bob.pk))
    assert created.changes["password"] == [None, "set by padmin"]
    assert bob.password not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_a_password_set_by_an_admin_is_audited_and_cannot_sign_until_its_holder_sets_their_own(
    client, staff, open_review, api
):
    review = open_review
    validator = signer_for("validation")
    admin_client = _client_for(client, staff)
    response = admin_client.post(
        f"/admin/auth/user/{validator.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=accounts.PASSWORD_SET, target_id=str(validator.pk))
    assert event.actor_name == "padmin" and event.changes == {"password": [None, "set by padmin"]}

    # The admin knows the password now, and still cannot sign as the validator: not by the API, not by the page.
    body = {"function": "validation", "decision": "approve", "password": NEW_PASSWORD}
    refused = api(validator).post(f"/api/v1/reviews/{review.pk}/sign-offs/", body, format="json")
    assert refused.status_code == 403
    assert "set by padmin" in refused.json()["detail"] and PASSWORD_PAGE in refused.json()["detail"]
    validator.refresh_from_db()
    page = _client_for(client, validator).get(f"/governance/reviews/{review.pk}/")
    assert f'href="{PASSWORD_PAGE}"' in page.content.decode() and "set by padmin" in page.content.decode()

    # Signing in with it leads to the password page; the holder sets their own, and signs.
    client.logout()
    signed_in = client.post(reverse("login"), {"username": validator.username, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and signed_in.url == PASSWORD_PAGE
    changed = client.post(
        PASSWORD_PAGE,
        {"old_password": NEW_PASSWORD, "new_password1": "Only-I-know-2026", "new_password2": "Only-I-know-2026"},
    )
    assert changed.status_code == 302
    assert AuditEvent.objects.filter(action=accounts.PASSWORD_CHANGED, target_id=str(validator.pk)).exists()
    body["password"] = "Only-I-know-2026"
    assert api(validator).post(f"/api/v1/reviews/{review.pk}/sign-offs/", body, format="json").status_code == 201


def test_a_signer_who_changes_their_own_password_is_not_blocked(open_review):
    validator = signer_for("validation")
    accounts.password_change(actor=validator, password="My-own-2026")
    signed = governance.sign_off_record(
        actor=validator, review=open_review, function="validation", decision="approve", password="My-own-2026"
    )
    assert signed.decision == "approve"


# --- Role groups and permissions ---


def test_group_permission_changes_are_audited_and_nobody_grants_what_they_do_not_hold(client, staff, root):
    group = Group.objects.create(name="Auditors")
    view_event = Permission.objects.get(codename="view_auditevent")
    add_task = Permission.objects.get(codename="add_periodictask")
    client = _client_for(client, staff)
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "Auditors", "permissions": [view_event.pk]}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="auth.group_updated", target_id=str(group.pk))
    assert event.changes == {"permissions": [[], ["audit.view_auditevent"]]} and event.actor_name == "padmin"
    # A staff admin does not hold add_periodictask: granting it through a group would escalate.
    response = client.post(
        f"/admin/auth/group/{group.pk}/change/", {"name": "Auditors", "permissions": [view_event.pk, add_task.pk]}
    )
    assert response.status_code == 403
    assert list(group.permissions.values_list("codename", flat=True)) == ["view_auditevent"]
    # A superuser may.
    accounts.group_save(actor=root, group=group, name="Auditors", permissions=[view_event, add_task])
    assert group.permissions.count() == 2


def test_role_changes_through_the_service_record_one_event_with_before_and_after(staff, admin_world):
    target = admin_world["target"]
    reviewers = Group.objects.get(name__icontains="review board")
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    accounts.user_roles_set(actor=staff, user=target, groups=[*target.groups.all(), reviewers])
    events = AuditEvent.objects.filter(action="auth.roles_changed", target_id=str(target.pk), seq__gt=last)
    assert events.count() == 1
    before, after = events.get().changes["groups"]
    assert reviewers.name not in before and reviewers.name in after


# --- The guard periodic tasks ---


def _task_form(client, task) -> dict:
    return _form_data(
        client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/").content.decode(), PeriodicTask
    )


@pytest.mark.parametrize("task_name", sorted(guard_tasks()))
def test_the_guard_tasks_cannot_be_disabled_or_deleted_from_the_admin(task_name, client, staff, root):
    task = PeriodicTask.objects.get(task=task_name)
    staff_client = _client_for(client, staff)
    data = _task_form(staff_client, task)
    data.pop("enabled", None)  # unticked
    response = staff_client.post(f"/admin/django_celery_beat/periodictask/{task.pk}/change/", data)
    assert response.status_code == 403
    response = staff_client.post(
        "/admin/django_celery_beat/periodictask/", {"action": "disable_tasks", "_selected_action": [task.pk]}
    )
    assert "cannot be disabled" in response.content.decode() or response.status_code == 302
    task.refresh_from_db()
    assert task.enabled
    root_client = _client_for(client, root)
    assert (
        root_client.post(f"/admin/django_celery_beat/periodictask/{task.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    with pytest.raises(NotAllowed, match="guard"):
        task.enabled = False
        from core.schedules import periodic_task_save

        periodic_task_save(actor=root, task=task)
    assert PeriodicTask.objects.get(pk=task.pk).enabled


def test_disabling_an_ordinary_task_is_audited_with_before_and_after(client, staff):
    task = PeriodicTask.objects.get(task="portfolio.check_stop_losses")
    client = _client_for(client, staff)
    client.post("/admin/django_celery_beat/periodictask/", {"action": "disable_tasks", "_selected_action": [task.pk]})
    task.refresh_from_db()
    assert not task.enabled
    event = AuditEvent.objects.get(action="schedule.task_updated", target_id=str(task.pk))
    assert event.changes == {"enabled": [True, False]} and event.actor_name == "padmin"


def test_the_schedule_a_guard_task_runs_on_is_not_edited_in_place(client, root):
    interval = PeriodicTask.objects.get(task="audit.verify_chain").interval
    client = _client_for(client, root)
    data = _form_data(
        client.get(f"/admin/django_celery_beat/intervalschedule/{interval.pk}/change/").content.decode(),
        IntervalSchedule,
    )
    data["every"] = "365"
    assert client.post(f"/admin/django_celery_beat/intervalschedule/{interval.pk}/change/", data).status_code == 403
    interval.refresh_from_db()
    assert interval.every == 1


# --- Scope: what the admin shows ---


def test_every_admin_of_scoped_records_shows_only_what_its_reader_may_see(make_user, units):
    """A staff admin of no business unit reads each admin's list as the rest of Lodestar would show it."""
    reader = make_user("outsider", "review_board", is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = reader
    unscoped = []
    for model, model_admin in admin.site._registry.items():
        if getattr(model, "scope_confidential", None) is None and getattr(model, "scope_business_unit", None) is None:
            continue
        shown = model_admin.get_queryset(request)
        allowed = model._default_manager.all().restrict(reader, "view")
        if str(shown.order_by().query) != str(allowed.order_by().query):
            unscoped.append(model._meta.label)
    assert unscoped == []


def test_tokens_and_notifications_cannot_be_made_or_edited_in_the_admin(client, root, staff):
    from core.models import ApiToken
    from core.tokens import api_token_issue

    token, key = api_token_issue(user=staff, name="CI pipeline", actor=staff)
    client = _client_for(client, root)
    assert client.get("/admin/core/apitoken/add/").status_code == 403
    listing = client.get("/admin/core/apitoken/").content.decode()
    assert "CI pipeline" in listing
    assert key not in listing and ApiToken.objects.get(pk=token.pk).key_hash not in listing


def test_a_guard_task_runs_at_least_daily_and_its_reschedule_is_audited(client, root):
    task = PeriodicTask.objects.get(task="audit.write_checkpoint")
    monthly = IntervalSchedule.objects.create(every=30, period="days")
    twice_a_day = IntervalSchedule.objects.create(every=12, period="hours")
    client = _client_for(client, root)
    url = f"/admin/django_celery_beat/periodictask/{task.pk}/change/"
    assert client.post(url, {**_task_form(client, task), "interval": monthly.pk}).status_code == 403
    task.refresh_from_db()
    assert task.interval_id != monthly.pk
    before = str(task.interval)
    assert client.post(url, {**_task_form(client, task), "interval": twice_a_day.pk}).status_code == 302
    event = AuditEvent.objects.get(action="schedule.task_updated", target_id=str(task.pk))
    assert event.changes == {"interval": [before, str(twice_a_day)]} and event.actor_name == "root"

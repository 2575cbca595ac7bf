"""The admin is a governed surface: every save goes through a service, so it is checked and audited.

Users are deactivated, never deleted, and keep their username for life, so a username is never reassigned
(Part 11 §11.100). Only a superuser grants staff or superuser status or touches a superuser's account. A password
an admin sets is a forced reset. The guard periodic tasks cannot be switched off here (core/schedules.py).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from core import accounts, schedules
from core.exceptions import ApplicationError
from core.lockout import account_unlock
from core.models import ApiToken

admin.site.site_header = "Lodestar administration"
admin.site.site_title = "Lodestar admin"
for _model in (
    User,
    Group,
    PeriodicTask,
    IntervalSchedule,
    CrontabSchedule,
    SolarSchedule,
    ClockedSchedule,
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class ServiceAdmin(admin.ModelAdmin):
    """Turns a service refusal into an admin error message instead of a 500 (and nothing is saved: the admin's
    change view runs in one transaction)."""

    def _call(self, request, service, **kwargs):
        try:
            return service(actor=request.user, **kwargs)
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            raise PermissionDenied(exc.message) from exc

    def _call_all(self, request, service, queryset, done: str, args_for) -> None:
        """An admin action over a selection: all or nothing, the refusal said in words."""
        try:
            with transaction.atomic():
                for obj in queryset:
                    service(actor=request.user, **args_for(obj))
        except ApplicationError as exc:
            self.message_user(request, f"Nothing was changed: {exc.message}", level=messages.ERROR)
            return
        self.message_user(request, done, level=messages.SUCCESS)


@admin.register(User)
class LodestarUserAdmin(UserAdmin, ServiceAdmin):
    actions = ["unlock_accounts"]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # shown, not changed: resetting a superuser's password would hand over every right
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if obj is not None:
            readonly.append("username")  # usernames never change
        if not request.user.is_superuser:
            readonly += list(accounts.PRIVILEGE_FIELDS)
        return readonly

    def save_model(self, request, obj, form, change):
        if change:
            fields = {f: form.cleaned_data[f] for f in form.changed_data if f in accounts.USER_FIELDS}
            self._call(request, accounts.user_update, user=obj, **fields)
            return
        data = form.cleaned_data
        usable = data.get("set_usable_password", True)
        created = self._call(
            request,
            accounts.user_create,
            username=data["username"],
            password=data.get("password1") if usable else None,
            **{f: data[f] for f in accounts.USER_FIELDS if f in data},
        )
        obj.pk, obj.password = created.pk, created.password

    def save_related(self, request, form, formsets, change):
        if not change:
            return
        roles = {
            key: form.cleaned_data[field]
            for key, field in (("groups", "groups"), ("permissions", "user_permissions"))
            if field in form.cleaned_data
        }
        if roles:
            self._call(request, accounts.user_roles_set, user=form.instance, **roles)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if request.method == "POST" and user is not None and self.has_change_permission(request, user):
            form = self.change_password_form(user, request.POST)
            if form.is_valid():
                usable = form.cleaned_data.get("set_usable_password", True)
                with transaction.atomic():
                    changed = self._call(
                        request,
                        accounts.user_set_password,
                        user=user,
                        password=form.cleaned_data.get("password1") if usable else None,
                    )
                if changed.pk == request.user.pk:
                    update_session_auth_hash(request, changed)
                    self.message_user(request, "Your password was set.", messages.SUCCESS)
                else:
                    self.message_user(
                        request,
                        f"Password set. {changed.get_username()} must set their own at next sign-in; until then "
                        "Lodestar refuses their signatures.",
                        messages.SUCCESS,
                    )
                return HttpResponseRedirect(reverse(f"{self.admin_site.name}:auth_user_change", args=(user.pk,)))
        return super().user_change_password(request, id, form_url)

    @admin.action(description="Unlock the selected accounts (after repeated failed sign-ins)")
    def unlock_accounts(self, request, queryset):
        for user in queryset:
            account_unlock(actor=request.user, user=user, reason="unlocked in admin")
        self.message_user(request, f"{queryset.count()} account(s) unlocked.", level=messages.SUCCESS)


@admin.register(Group)
class LodestarGroupAdmin(GroupAdmin, ServiceAdmin):
    """Role groups: created and changed through the audited service, never deleted (accounts point at them)."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        self._call(
            request,
            accounts.group_save,
            group=obj,
            name=form.cleaned_data["name"],
            permissions=form.cleaned_data.get("permissions", []),
        )

    def save_related(self, request, form, formsets, change):
        pass  # the permissions were set (and audited) by group_save


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens are shown (never even their key's hash), not made or edited here: a token made by an admin for
    someone else would let the admin act as them. Holders and platform admins revoke them at /accounts/tokens/."""

    list_display = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    actions = None
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PeriodicTask)
class LodestarPeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin, ServiceAdmin):
    """Periodic tasks change through core.schedules: audited, and the guard tasks stay on."""

    def save_model(self, request, obj, form, change):
        self._call(request, schedules.periodic_task_save, task=obj)

    def delete_model(self, request, obj):
        self._call(request, schedules.periodic_task_delete, task=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for task in queryset:
                self.delete_model(request, task)

    def _set_enabled(self, request, queryset, value, done):
        def enabled(task):
            task.enabled = value(task)
            return {"task": task}

        self._call_all(request, schedules.periodic_task_save, queryset, done, enabled)

    @admin.action(description="Enable selected tasks")
    def enable_tasks(self, request, queryset):
        self._set_enabled(request, queryset, lambda task: True, "The selected tasks are enabled.")

    @admin.action(description="Disable selected tasks")
    def disable_tasks(self, request, queryset):
        self._set_enabled(request, queryset, lambda task: False, "The selected tasks are disabled.")

    @admin.action(description="Toggle activity of selected tasks")
    def toggle_tasks(self, request, queryset):
        self._set_enabled(request, queryset, lambda task: not task.enabled, "The selected tasks are toggled.")

    @admin.action(description="Run selected tasks")
    def run_tasks(self, request, queryset):
        self._call_all(
            request,
            schedules.periodic_task_run,
            queryset,
            "The selected tasks were sent to a worker.",
            lambda task: {"task": task},
        )


class ScheduleAdmin(ServiceAdmin):
    """Schedules change through core.schedules: audited; one that runs a guard task is not edited in place."""

    inlines = [beat_admin.PeriodicTaskInline]

    def save_model(self, request, obj, form, change):
        self._call(request, schedules.schedule_save, schedule=obj)

    def delete_model(self, request, obj):
        self._call(request, schedules.schedule_delete, schedule=obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for schedule in queryset:
                self.delete_model(request, schedule)


for _model, _base in (
    (IntervalSchedule, beat_admin.IntervalScheduleAdmin),
    (CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (SolarSchedule, beat_admin.SolarScheduleAdmin),
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin),
):
    admin.site.register(_model, type(_base.__name__, (ScheduleAdmin, _base), {}))


class NoWriteAdmin(admin.ModelAdmin):
    """Shows records, never adds, changes or deletes them: their services do, and write the audit trail."""

    # Links are shown as https when typed without a scheme, as Django 6 will (and as our forms do).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWriteAdmin):
    """Governed records are shown in the admin but never changed there: their services enforce the rules
    and write the audit trail, so the admin offers no add, change, delete or bulk action on them. Each admin
    shows only what its reader may see (the records' own scope: business unit, confidentiality, grants)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "restrict"):
            return queryset.restrict(request.user, "view")
        return queryset

"""The account Lodestar acts as when no person does: an alert rule that suspends a model automatically.

Actions taken by Lodestar itself go through the same services as a person's (permission checks, gates, audit
trail, stage history), under one visible service account rather than a bypass, so the audit trail names who
acted and the permission choke point still decides. The account:
- cannot sign in: it has no usable password and no API token (a password an admin sets later would be theirs to
  answer for; the account is still no superuser);
- holds only what its actions need: change models (to suspend them) in every business unit;
- is switched off by deactivating it: automatic actions then fail, visibly, and wait for a person.
"""

from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import Q

from audit import services as audit
from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text

SYSTEM_USERNAME = "lodestar-system"
SYSTEM_PERMISSIONS = (
    "lifecycle.change_aimodel",
    "portfolio.view_all_business_units",
    "portfolio.manage_all_business_units",
)


def system_user():
    """The service account automatic actions are recorded under; created on first use."""
    User = get_user_model()
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(
                    username=SYSTEM_USERNAME,
                    first_name="Lodestar",
                    last_name="(automatic actions)",
                    is_active=True,
                    is_staff=False,
                    is_superuser=False,
                )
                user.set_unusable_password()
                user.save()
                wanted = []
                for dotted in SYSTEM_PERMISSIONS:
                    app_label, codename = dotted.split(".", 1)
                    wanted += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
                user.user_permissions.set(wanted)
        except IntegrityError:  # created meanwhile by another worker
            user = User.objects.get(username=SYSTEM_USERNAME)
    return user


def is_system_user(user) -> bool:
    return getattr(user, "username", None) == SYSTEM_USERNAME


# --- Accounts: every change to a user, a role group or a permission goes through these services, whatever the
# entry point (admin, shell, API), so each one is checked and reaches the audit trail with its before and after.
# Password hashes are never recorded: an event says who set a password, never what it is.

USER_FIELDS = ("first_name", "last_name", "email", "is_active", "is_staff", "is_superuser")
PRIVILEGE_FIELDS = ("is_staff", "is_superuser")
PASSWORD_SET = "auth.password_set"  # by someone else (an admin's reset): the holder must set their own
PASSWORD_CHANGED = "auth.password_changed"  # by the holder, knowing the old one
_USER_TARGET = "auth.user"

# Set while a service changes groups or permissions: the service writes one event with before and after, so the
# m2m recorder in core/auth_events.py (which catches changes made outside the services) stays quiet.
recording_roles: ContextVar[bool] = ContextVar("lodestar_recording_roles", default=False)


def _snapshot(user) -> dict:
    return {field: getattr(user, field) for field in USER_FIELDS}


def _roles(user) -> dict:
    return {
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "permissions": sorted(_perm_names(user.user_permissions.all())),
    }


def _perm_names(permissions) -> list[str]:
    return [f"{p.content_type.app_label}.{p.codename}" for p in permissions.select_related("content_type")]


def _require_user_admin(actor, perm: str) -> None:
    if not (getattr(actor, "is_active", False) and actor.has_perm(perm)):
        raise NotAllowed(f"You may not manage accounts (needs the {perm} permission).")


def _require_may_touch(actor, user) -> None:
    """A superuser's account (its password, e-mail, roles, state) is changed by a superuser only: otherwise
    resetting its password would hand a staff admin every right the superuser has."""
    if user.is_superuser and not actor.is_superuser and actor.pk != user.pk:
        raise NotAllowed(f"Only a superuser changes the account of {user.get_username()}, a superuser.")


def _refuse_privilege_change(actor, before: dict, after: dict) -> None:
    changed = [field for field in PRIVILEGE_FIELDS if before.get(field, False) != after.get(field, False)]
    if changed and not actor.is_superuser:
        raise NotAllowed(
            f"{changed[0]}: only a superuser grants or removes staff status or superuser status; "
            "ask a superuser to do it.",
            details={field: ["Only a superuser changes this."] for field in changed},
        )


def username_was_used(username: str) -> bool:
    """True when an account holds `username` now or held it once: the audit trail keeps the names of past
    actors and of accounts changed (an account renamed before usernames became immutable left its old name
    there), so a username is never handed to a second person."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return True
    return AuditEvent.objects.filter(
        Q(actor_name=username) | Q(target_type=_USER_TARGET, target_repr=username)
    ).exists()


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_active: bool = True,
    is_staff: bool = False,
    is_superuser: bool = False,
):
    """A new account. `password` None leaves it without a usable password (single sign-on, service accounts);
    a password set here is set by the admin, so the holder must replace it before signing anything."""
    _require_user_admin(actor, "auth.add_user")
    fields = {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "is_active": is_active,
        "is_staff": is_staff,
        "is_superuser": is_superuser,
    }
    _refuse_privilege_change(actor, {}, fields)
    return _user_create(actor=actor, username=username, password=password, fields=fields)


@transaction.atomic
def user_create_from_provider(*, username: str, first_name: str, last_name: str, email: str, reason: str):
    """Single sign-on's just-in-time account: created by Lodestar on the identity provider's word, without a
    password, staff or superuser status (roles come from the claims table). Same username rules as any account."""
    fields = {"first_name": first_name, "last_name": last_name, "email": email}
    return _user_create(
        actor=None, username=username, password=None, fields={**fields, "is_active": True}, reason=reason
    )


def _user_create(*, actor, username: str, password: str | None, fields: dict, reason: str = ""):
    username = (username or "").strip()
    if not username:
        raise ApplicationError("username: a username is required.", details={"username": ["Required."]})
    if username_was_used(username):
        raise Conflict(
            f"username: “{username}” belongs or belonged to another account, and a username is never reassigned "
            "(signatures and the audit trail name people by it); choose another one.",
            details={"username": ["Used before."]},
        )
    User = get_user_model()
    user = User(username=username, **fields)
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    setter = actor.get_username() if actor is not None else "Lodestar"
    audit.record(
        actor=actor,
        action="auth.user_created",
        target=user,
        reason=reason,
        after={"username": username, **fields, "password": f"set by {setter}" if password else "none"},
    )
    if password:
        audit.record(
            actor=actor, action=PASSWORD_SET, target=user, reason=reason, after={"password": f"set by {setter}"}
        )
    return user


def _console(command: str, os_user: str) -> str:
    return f"manage.py {command}, run at the server's console by the operating-system user {os_user or 'unknown'}"


@transaction.atomic
def superuser_create_at_console(*, username: str, password: str | None, email: str = "", os_user: str = ""):
    """`manage.py createsuperuser`: whoever has the server's console may create a superuser (that is how the
    first one comes to be), recorded under the service account with the OS user named. A username used before is
    refused, and the password counts as set by someone else: its holder sets their own before signing."""
    fields = {"first_name": "", "last_name": "", "email": email or "", "is_active": True}
    fields |= {"is_staff": True, "is_superuser": True}
    return _user_create(
        actor=system_user(),
        username=username,
        password=password,
        fields=fields,
        reason=_console("createsuperuser", os_user),
    )


@transaction.atomic
def user_update(*, actor, user, **fields):
    """Change an account's names, e-mail or state. The username never changes; staff and superuser status only
    by a superuser."""
    _require_user_admin(actor, "auth.change_user")
    User = get_user_model()
    stored = User.objects.select_for_update().get(pk=user.pk)
    if "username" in fields and fields.pop("username") != stored.username:
        raise NotAllowed(
            f"username: usernames never change (signatures and the audit trail name people by it); "
            f"“{stored.username}” stays. Create a new account for a new name.",
            details={"username": ["Cannot change."]},
        )
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ApplicationError(f"{sorted(unknown)[0]}: this field is not changed here.")
    _require_may_touch(actor, stored)
    before = _snapshot(stored)
    after = {**before, **fields}
    _refuse_privilege_change(actor, before, after)
    if not after["is_active"] and actor.pk == stored.pk:
        raise NotAllowed("is_active: you cannot deactivate your own account; ask another admin.")
    for field, value in fields.items():
        setattr(stored, field, value)
    stored.full_clean(exclude=["password", "username"])
    if fields:
        stored.save(update_fields=list(fields))
    # The user save receivers of core.tokens revoke the API tokens and feed link of a deactivated account.
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        audit.record(
            actor=actor,
            action="auth.user_updated",
            target=stored,
            before={k: before[k] for k in changed},
            after=changed,
        )
    for field, value in fields.items():
        setattr(user, field, value)
    return stored


@transaction.atomic
def user_roles_set(*, actor, user, groups=None, permissions=None):
    """Set an account's role groups and/or its own permissions (None leaves them). Nobody but a superuser
    grants a permission they do not hold themselves, directly on an account."""
    _require_user_admin(actor, "auth.change_user")
    _require_may_touch(actor, user)
    before = _roles(user)
    if permissions is not None:
        refuse_unheld(actor, set(_perm_names(permissions_qs(permissions))) - set(before["permissions"]))
    token = recording_roles.set(True)
    try:
        if groups is not None:
            user.groups.set(groups)
        if permissions is not None:
            user.user_permissions.set(permissions)
    finally:
        recording_roles.reset(token)
    after = _roles(user)
    if after != before:
        audit.record(actor=actor, action="auth.roles_changed", target=user, before=before, after=after)
    return user


@transaction.atomic
def user_groups_sync_from_provider(*, user, wanted, managed, reason: str):
    """Single sign-on: the provider's claims decide the `managed` groups (those its claims table names) at each
    sign-in: the account gains the `wanted` ones and loses the other managed ones; groups outside `managed`, given
    by an admin, stay. Recorded as a roles change made by Lodestar, with the reason."""
    managed_pks = {group.pk for group in managed}
    current = set(user.groups.values_list("pk", flat=True))
    target = (current - managed_pks) | {group.pk for group in wanted if group.pk in managed_pks}
    if target == current:
        return user
    before = _roles(user)
    token = recording_roles.set(True)
    try:
        user.groups.set(target)
    finally:
        recording_roles.reset(token)
    audit.record(actor=None, action="auth.roles_changed", target=user, before=before, after=_roles(user), reason=reason)
    return user


def permissions_qs(permissions):
    return Permission.objects.filter(pk__in=[getattr(p, "pk", p) for p in permissions])


def refuse_unheld(actor, added: set[str]) -> None:
    """Nobody but a superuser hands out, by any route, a permission they do not hold themselves."""
    if actor.is_superuser:
        return
    unheld = sorted(perm for perm in added if not actor.has_perm(perm))
    if unheld:
        raise NotAllowed(
            f"permissions: you cannot grant {', '.join(unheld)}, which you do not hold yourself; ask a superuser.",
            details={"permissions": ["Not held by you."]},
        )


@transaction.atomic
def group_save(*, actor, group, name: str, permissions):
    """Create or change a role group (its name and permissions). A group's permissions reach every member,
    so nobody but a superuser adds a permission they do not hold themselves."""
    creating = group.pk is None
    _require_user_admin(actor, "auth.add_group" if creating else "auth.change_group")
    before = (
        {} if creating else {"name": Group.objects.get(pk=group.pk).name, "permissions": group_permission_names(group)}
    )
    wanted = sorted(_perm_names(permissions_qs(permissions)))
    refuse_unheld(actor, set(wanted) - set(before.get("permissions", [])))
    group.name = require_text(name, field="name", hint="name the role")
    group.save()
    token = recording_roles.set(True)
    try:
        group.permissions.set(permissions_qs(permissions))
    finally:
        recording_roles.reset(token)
    after = {"name": group.name, "permissions": wanted}
    if after != before:
        audit.record(
            actor=actor,
            action="auth.group_created" if creating else "auth.group_updated",
            target=group,
            before=before,
            after=after,
        )
    return group


def group_permission_names(group) -> list[str]:
    return sorted(_perm_names(group.permissions.all()))


@transaction.atomic
def user_set_password(*, actor, user, password: str | None):
    """An admin sets (or, with None, disables) someone's password. That is a forced reset: until the holder sets
    their own, Lodestar refuses their signatures (see `must_change_password`)."""
    _require_user_admin(actor, "auth.change_user")
    User = get_user_model()
    stored = User.objects.select_for_update().get(pk=user.pk)
    _require_may_touch(actor, stored)
    _password_store(actor=actor, stored=stored, password=password)
    user.password = stored.password
    return stored


@transaction.atomic
def password_set_at_console(*, username: str, password: str, os_user: str = ""):
    """`manage.py changepassword`: a forced reset made at the server's console, recorded under the service account
    with the OS user named (the holder sets their own before signing)."""
    User = get_user_model()
    stored = User.objects.select_for_update().filter(username=username).first()
    if stored is None:
        raise ApplicationError(f"username: no account is called “{username}”.", details={"username": ["Unknown."]})
    return _password_store(
        actor=system_user(), stored=stored, password=password, reason=_console("changepassword", os_user)
    )


def _password_store(*, actor, stored, password: str | None, reason: str = ""):
    if password:
        stored.set_password(password)
    else:
        stored.set_unusable_password()
    stored.save(update_fields=["password"])
    # The user save receivers of core.tokens revoke the API tokens and feed link: a new password ends them.
    audit.record(
        actor=actor,
        action=PASSWORD_SET,
        target=stored,
        reason=reason,
        after={"password": f"{'set' if password else 'password sign-in disabled'} by {actor.get_username()}"},
    )
    return stored


@transaction.atomic
def password_change(*, actor, password: str):
    """The holder sets their own password (the form checked the old one). Ends a forced reset."""
    actor.set_password(password)
    actor.save(update_fields=["password"])
    # The user save receivers of core.tokens revoke the API tokens and feed link: a new password ends them.
    audit.record(actor=actor, action=PASSWORD_CHANGED, target=actor, after={"password": "changed by its holder"})
    return actor


def password_set_by(user) -> str | None:
    """Who set this account's current password when it was not its holder (a forced reset), else None."""
    last = (
        AuditEvent.objects.filter(
            action__in=(PASSWORD_SET, PASSWORD_CHANGED), target_type=_USER_TARGET, target_id=str(user.pk)
        )
        .order_by("-seq")
        .values("action", "actor_id", "actor_name")
        .first()
    )
    if last and last["action"] == PASSWORD_SET and last["actor_id"] != user.pk:
        return last["actor_name"]
    return None


def must_change_password(user) -> bool:
    return password_set_by(user) is not None


def refuse_changed_username(sender, instance, raw=False, update_fields=None, **kwargs):
    """Model guard (pre_save on the user model): whatever saves an account, its username stays what it was."""
    if raw or instance.pk is None or (update_fields is not None and "username" not in update_fields):
        return
    stored = type(instance).objects.filter(pk=instance.pk).values_list("username", flat=True).first()
    if stored is not None and stored != instance.username:
        raise NotAllowed(f"username: usernames never change; “{stored}” stays. Create a new account for a new name.")

"""Sign-ins, sign-outs, failed sign-ins and permission changes go to the audit trail.

The services in core/accounts.py change users, groups and permissions and record each change with its
before and after; the m2m recorders below catch changes made around them (a shell, a data migration). They
record; they decide nothing, except the one guard that keeps usernames immutable.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from audit import services as audit
from core.accounts import recording_roles, refuse_changed_username
from core.lockout import LOGIN_FAILED, failure_recorded
from core.middleware import stamp_new_session

User = get_user_model()

# The one guard here: a username never changes, whatever saves the account (core/accounts.py explains why).
pre_save.connect(refuse_changed_username, sender=User, dispatch_uid="lodestar_username_immutable")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=user, action="auth.login", target=user)
    if request is not None and hasattr(request, "session"):
        stamp_new_session(request.session)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="auth.logout", target=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        actor=None,
        action=LOGIN_FAILED,
        target_repr=username,
        reason=str(kwargs.get("reason", "wrong username or password")),
    )
    failure_recorded(username)


def _names(model, pks) -> list[str]:
    return sorted(str(obj) for obj in model.objects.filter(pk__in=pks or []))


@receiver(m2m_changed, sender=User.groups.through)
def _groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear") or reverse or recording_roles.get():
        return
    if action == "pre_clear":
        pk_set = set(instance.groups.values_list("pk", flat=True))
    if not pk_set:
        return  # Django signals an add of groups the user already had; nothing changed
    key = "added" if action == "post_add" else "removed"
    audit.record(actor=None, action="auth.roles_changed", target=instance, after={key: _names(Group, pk_set)})


@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def _permissions_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action not in ("post_add", "post_remove") or reverse or not pk_set or recording_roles.get():
        return
    key = "added" if action == "post_add" else "removed"
    perms = sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in model.objects.filter(pk__in=pk_set).select_related("content_type")
    )
    audit.record(actor=None, action="auth.permissions_changed", target=instance, after={key: perms})

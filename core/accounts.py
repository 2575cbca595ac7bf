"""The account Lodestar acts as when no person does: an alert rule that suspends a model automatically.

Actions taken by Lodestar itself go through the same services as a person's (permission checks, gates, audit
trail, stage history), under one visible service account rather than a bypass, so the audit trail names who
acted and the permission choke point still decides. The account:
- cannot sign in: it has no usable password and no API token (a password an admin sets later would be theirs to
  answer for; the account is still no superuser);
- holds only what its actions need: change models (to suspend them) in every business unit;
- is switched off by deactivating it: automatic actions then fail, visibly, and wait for a person.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction

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

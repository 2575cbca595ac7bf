import pytest
from django.contrib.auth.models import Group

from core.roles import ROLES


@pytest.mark.django_db
def test_every_role_group_holds_exactly_the_permissions_of_the_table():
    """The role migrations may run before a newer app's models exist; after all of them, nothing is missing."""
    for role in ROLES:
        group = Group.objects.get(name=role.name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(role.permissions), role.key

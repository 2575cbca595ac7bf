"""The sign-in backend reads a user's permissions in one statement: it must grant exactly what Django's would."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User

from core.auth_backends import LockoutModelBackend


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_the_permissions_read_in_one_statement_are_djangos(make_user, django_assert_num_queries):
    direct = Permission.objects.get(codename="view_auditevent")
    people = {
        "no role": make_user("nobody"),
        "role": make_user("ds", "data_scientist"),
        "roles and a direct grant": make_user("both", "program_manager", "executive"),
        "direct grant only": make_user("direct"),
        "inactive": make_user("gone", "review_board", is_active=False),
        "superuser": make_user("root", is_superuser=True),
    }
    for user in (people["roles and a direct grant"], people["direct grant only"]):
        user.user_permissions.add(direct)
    for label, user in people.items():
        ours = LockoutModelBackend().get_all_permissions(_fresh(user))
        assert ours == ModelBackend().get_all_permissions(_fresh(user)), label
    assert "audit.view_auditevent" in LockoutModelBackend().get_all_permissions(_fresh(people["direct grant only"]))
    assert LockoutModelBackend().get_all_permissions(_fresh(people["inactive"])) == set()
    user = _fresh(people["roles and a direct grant"])
    with django_assert_num_queries(1):
        assert user.has_perm("dashboards.view_executive") and user.has_perm("audit.view_auditevent")

"""Every signed-in request reads its session and its user in plain statements (core.sessions, core.auth_backends),
prepared once per connection on PostgreSQL (core.db): they must answer exactly what Django's ORM reads would."""

from datetime import timedelta

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.auth_backends import LockoutModelBackend
from core.sessions import SessionStore


def _fields(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in type(user)._meta.concrete_fields}


def test_the_user_read_in_one_statement_is_djangos(make_user):
    people = [
        make_user("pm", "program_manager", first_name="Ana", email="ana@example.com"),
        make_user("root", is_superuser=True, is_staff=True),
    ]
    people[0].last_login = timezone.now()
    people[0].save(update_fields=["last_login"])
    for user in people:
        ours, djangos = LockoutModelBackend().get_user(user.pk), ModelBackend().get_user(user.pk)
        assert _fields(ours) == _fields(djangos) and not ours._state.adding
    assert LockoutModelBackend().get_user(str(people[0].pk)).username == "pm"  # as the session keeps it
    gone = make_user("gone", "review_board", is_active=False)
    assert LockoutModelBackend().get_user(gone.pk) is None  # inactive users cannot hold a session
    assert LockoutModelBackend().get_user(10**9) is None
    assert LockoutModelBackend().get_user("not-a-number") is None


def test_a_session_signs_in_until_it_expires_or_is_removed(make_user, client):
    client.force_login(make_user("pm", "program_manager"))
    home = reverse("lifecycle:model_list")
    assert client.get(home).status_code == 200
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()  # the signed-in user's data, read back

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(home)["Location"].startswith(reverse("login"))
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None  # an expired key is never reused

    client.force_login(make_user("ds", "data_scientist"))
    Session.objects.all().delete()
    assert client.get(home)["Location"].startswith(reverse("login"))


def test_the_statements_every_request_runs_are_prepared_and_still_counted(
    postgresql_only, make_user, client, django_assert_num_queries
):
    user = make_user("exec", "executive")
    client.force_login(user)
    key = client.cookies["sessionid"].value
    with django_assert_num_queries(2):  # the test tools still see them
        SessionStore(key).load()
        LockoutModelBackend().get_user(user.pk)
    client.get(reverse("dashboards:executive"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = " ".join(row[0] for row in cursor.fetchall())
    assert '"django_session"' in prepared and '"auth_user"' in prepared and "codename" in prepared

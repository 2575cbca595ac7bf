import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from core.roles import ROLE_BY_KEY
from portfolio.models import BusinessUnit, Membership


@pytest.fixture
def units(db):
    """Three business units, as a regulated enterprise has many."""
    return {
        code: BusinessUnit.objects.create(code=code, name=name)
        for code, name in (("RETAIL", "Retail"), ("CORP", "Corporate"), ("OPS", "Operations"))
    }


@pytest.fixture
def make_user(db):
    def make(username: str, *roles: str, units=(), password: str = "correct-horse-battery", **extra) -> User:
        user = User.objects.create_user(username=username, password=password, **extra)
        user.groups.add(*Group.objects.filter(name__in=[ROLE_BY_KEY[r].name for r in roles]))
        for unit in units:
            Membership.objects.create(user=user, business_unit=unit)
        return User.objects.get(pk=user.pk)  # fresh: no cached permissions

    return make


@pytest.fixture
def api():
    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached dashboard panels and kept pages are keyed by the audit head, which restarts with every test's
    database."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def audit_anchor_dir(settings, tmp_path):
    """Each test keeps its own external checkpoints of the audit chain."""
    settings.AUDIT_ANCHOR_DIR = str(tmp_path / "audit-anchors")


@pytest.fixture(autouse=True)
def fresh_content_type_caches(request):
    """A transactional test's flush recreates the content types under new ids, while Django and guardian keep
    them cached per process: a transactional test starts from empty caches so no stale id leaks into it."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker is not None and marker.kwargs.get("transaction")):
        from django.contrib.contenttypes.models import ContentType
        from guardian.shortcuts import clear_ct_cache

        ContentType.objects.clear_cache()
        clear_ct_cache()


@pytest.fixture
def postgresql_only():
    """For PostgreSQL's own guarantees (triggers, row locks between connections). CI runs the whole suite on
    PostgreSQL; on SQLite these tests skip and say why."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (its triggers or row locks); CI runs the suite on PostgreSQL")

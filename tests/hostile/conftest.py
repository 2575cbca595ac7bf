import pytest
from django.test import Client
from rest_framework.test import APIClient

from .world import build_world


@pytest.fixture
def world(units, make_user):
    return build_world(units, make_user)


@pytest.fixture
def clients(world):
    """One API client and one browser client per principal, signed in as that principal."""
    made = {}
    for key, user in world.users.items():
        api, browser = APIClient(), Client()
        if user is not None:
            api.force_authenticate(user)
            browser.force_login(user)
        made[key] = (api, browser)
    return made

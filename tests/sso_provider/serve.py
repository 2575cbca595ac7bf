"""Start the test provider: migrate its own database, create the users, groups and the Lodestar client described
in SSO_PROVIDER_SEED (JSON), then serve on SSO_PROVIDER_PORT until killed.

    {"client_id": "...", "client_secret": "...", "redirect_uris": ["http://.../callback/"],
     "users": [{"username": "alice", "password": "...", "email": "...", "groups": ["lodestar-reviewers"]}]}
"""

import json
import os

import django
from django.core.management import call_command


def seed(spec: dict) -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    for person in spec["users"]:
        user = User.objects.create_user(
            person["username"],
            email=person.get("email", ""),
            password=person["password"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
        user.groups.set(Group.objects.get_or_create(name=name)[0] for name in person.get("groups", []))
    Application.objects.create(
        name="Lodestar",
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        hash_client_secret=False,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(spec["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso_provider.settings"
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    seed(json.loads(os.environ["SSO_PROVIDER_SEED"]))
    call_command("runserver", f"127.0.0.1:{os.environ['SSO_PROVIDER_PORT']}", use_reloader=False, verbosity=0)


if __name__ == "__main__":
    main()

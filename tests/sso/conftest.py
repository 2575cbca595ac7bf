"""The test OpenID provider (tests/sso_provider/) started in its own process on a free port, once per session,
and Lodestar's single sign-on settings pointed at it."""

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

CLIENT_ID = "lodestar-test-client"
CLIENT_SECRET = "lodestar-test-secret-0123456789"
PASSWORD = "provider-pass-123"
# Provider users and the groups the provider puts in their claims. mallory's groups try to grant admin: one is
# named like Lodestar's admin role, the other is not mapped at all.
PROVIDER_USERS = (
    {
        "username": "alice",
        "email": "alice@example.com",
        "first_name": "Alice",
        "last_name": "Signer",
        "groups": ["idp-review-board", "idp-sign-validation", "idp-retail"],
    },
    {
        "username": "bob",
        "email": "bob@example.com",
        "first_name": "Bob",
        "last_name": "Builder",
        "groups": ["idp-data-science"],
    },
    {"username": "mallory", "email": "mallory@example.com", "groups": ["Platform admin", "idp-admins"]},
)


@dataclass(frozen=True)
class Provider:
    base: str
    issuer: str
    private_key_pem: bytes
    database: Path
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    password: str = PASSWORD

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def sso_provider(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sso-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (workdir / "key.pem").write_bytes(pem)
    port = _free_port()
    # 127.0.0.1 redirect URIs match any port (RFC 8252), so the live server of the browser tests fits too.
    callbacks = [
        f"{host}/accounts/sso/{step}/"
        for host in ("http://testserver", "http://127.0.0.1")
        for step in ("callback", "reauth/callback")
    ]
    seed = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": callbacks,
        "users": [{**person, "password": PASSWORD} for person in PROVIDER_USERS],
    }
    env = {
        **os.environ,
        "SSO_PROVIDER_PORT": str(port),
        "SSO_PROVIDER_DB": str(workdir / "provider.sqlite3"),
        "SSO_PROVIDER_KEY_FILE": str(workdir / "key.pem"),
        "SSO_PROVIDER_SEED": json.dumps(seed),
    }
    env.pop("DATABASE_URL", None)
    log = (workdir / "provider.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso_provider.serve"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    provider = Provider(
        base=f"http://127.0.0.1:{port}",
        issuer=f"http://127.0.0.1:{port}/o",
        private_key_pem=pem,
        database=workdir / "provider.sqlite3",
    )
    try:
        _wait_until_up(provider, process, workdir / "provider.log")
        yield provider
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_until_up(provider: Provider, process, log_path: Path) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"the test OpenID provider stopped: {log_path.read_text()[-2000:]}")
        try:
            if requests.get(provider.discovery_url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the test OpenID provider did not start: {log_path.read_text()[-2000:]}")


@pytest.fixture
def sso_on(settings, sso_provider):
    """Lodestar with single sign-on switched on against the test provider, through its discovery document."""
    settings.OIDC_RP_CLIENT_ID = sso_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = sso_provider.client_secret
    settings.OIDC_OP_DISCOVERY_URL = sso_provider.discovery_url
    settings.LODESTAR_SSO_PROVIDER_NAME = "Example ID"
    return sso_provider

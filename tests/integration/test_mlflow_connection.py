"""Lodestar reaches a real MLflow tracking server, and says so plainly when it cannot."""

import pytest

from lifecycle.mlflow_client import server_status

pytestmark = pytest.mark.integration


def test_the_admin_page_shows_a_reachable_server(mlflow_server, settings, client, make_user):
    settings.MLFLOW_TRACKING_URI = mlflow_server
    status = server_status()
    assert status.reachable and status.version.startswith("3.17")
    client.force_login(make_user("root", "platform_admin"))
    page = client.get("/dashboards/administration/").content.decode()
    assert 'badge-green">reachable<' in page and mlflow_server in page
    assert "unreachable" not in page


def test_an_unreachable_server_is_reported_not_raised(settings, client, make_user):
    settings.MLFLOW_TRACKING_URI = "http://127.0.0.1:9"  # discard port: nothing listens
    status = server_status()
    assert not status.reachable and "ConnectionError" in status.error
    client.force_login(make_user("root", "platform_admin"))
    page = client.get("/dashboards/administration/").content.decode()
    assert 'badge-red">unreachable<' in page and "does not answer" in page

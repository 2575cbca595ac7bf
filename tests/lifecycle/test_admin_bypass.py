"""The admin shows the inventory but offers no way around the stage machine or the services."""

import pytest

from lifecycle import services
from lifecycle.models import DecommissionPlan, ModelVersion
from portfolio import services as portfolio


@pytest.fixture
def version(units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"],))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"],))
    use_case = portfolio.use_case_create(actor=pm, title="Fraud", business_unit=units["RETAIL"])
    model = services.model_register(actor=ds, name="fraud", use_case=use_case)
    return services.model_version_register(actor=ds, model=model, version="1")


@pytest.fixture
def platform_admin(make_user, client):
    admin = make_user("admin", "platform_admin", is_staff=True)
    client.force_login(admin)
    return admin


def test_an_admin_sees_versions_but_cannot_change_their_stage(version, platform_admin, client):
    listing = client.get("/admin/lifecycle/modelversion/")
    assert listing.status_code == 200 and "fraud v1" in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()  # no bulk action either
    url = f"/admin/lifecycle/modelversion/{version.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="stage"' not in page and "Save" not in page
    posted = client.post(url, {"stage": "production", "version": "1", "digest": "x"})
    assert posted.status_code == 403
    assert client.post("/admin/lifecycle/modelversion/add/", {"model": version.model_id}).status_code == 403
    bulk = client.post(
        "/admin/lifecycle/modelversion/", {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert ModelVersion.objects.get(pk=version.pk).stage == "registered"


def test_no_admin_page_writes_a_decommission_plan_or_retires(platform_admin, client):
    assert client.post("/admin/lifecycle/decommissionplan/add/", {"reason": "regulatory"}).status_code == 403
    assert not DecommissionPlan.objects.exists()

"""Vendors: recorded by platform admins and the review board through audited services, linked to the
inventory models they supply; everyone reads them, and sees only the supplied models they may see."""

import pytest

from audit.models import AuditEvent
from core.exceptions import ApplicationError, Conflict, NotAllowed
from lifecycle import services as lifecycle
from portfolio import services as portfolio
from sourcing import selectors, services
from sourcing.models import SuppliedModel, Vendor
from tests.governance.helpers import person

CLAUSES = {
    "services": "Hosted language models.",
    "due_diligence": "in_progress",
    "data_ownership_clause": "Customer owns inputs and outputs.",
    "data_handling_clause": "No training on customer data; EU residency.",
    "lock_in_risk": "high",
    "exit_strategy": "Swap to an open-weights model behind the same gateway.",
    "data_portability": "Prompts and logs exported nightly.",
}


@pytest.fixture
def manager(units):
    return person("board", "review_board", units=(units["OPS"],))


@pytest.fixture
def vendor(manager):
    return services.vendor_create(actor=manager, name="Acme AI", **CLAUSES)


def test_a_vendor_is_recorded_edited_and_audited(vendor, manager):
    assert (vendor.due_diligence, vendor.lock_in_risk) == ("in_progress", "high")
    services.vendor_update(actor=manager, vendor=vendor, due_diligence="approved", last_assessed_on="2026-11-01")
    vendor.refresh_from_db()
    assert vendor.due_diligence == "approved" and str(vendor.last_assessed_on) == "2026-11-01"
    event = AuditEvent.objects.get(action="vendor.updated")
    assert event.changes["due_diligence"] == ["in_progress", "approved"]
    assert AuditEvent.objects.filter(action="vendor.created").count() == 1


def test_refusals(vendor, manager, ds):
    with pytest.raises(NotAllowed, match="platform admins and the review board"):
        services.vendor_create(actor=ds, name="Rogue")
    with pytest.raises(NotAllowed):
        services.vendor_update(actor=ds, vendor=vendor, due_diligence="approved")
    with pytest.raises(ApplicationError, match="name"):
        services.vendor_create(actor=manager, name="Acme AI")
    with pytest.raises(ApplicationError, match="lock_in_risk"):
        services.vendor_update(actor=manager, vendor=vendor, lock_in_risk="total")
    vendor.refresh_from_db()
    assert (Vendor.objects.count(), vendor.due_diligence, vendor.lock_in_risk) == (1, "in_progress", "high")


def test_supplied_models_are_linked_and_shown_only_to_who_sees_them(vendor, manager, model, ds, units, api, client):
    pm = person("pm", "program_manager", units=(units["RETAIL"],))
    secret_case = portfolio.use_case_create(
        actor=pm, title="Secret", business_unit=units["RETAIL"], problem_statement="x", confidential=True
    )
    secret = lifecycle.model_register(actor=ds, name="secret-llm", use_case=secret_case, third_party=True)
    services.vendor_model_link(actor=manager, vendor=vendor, model=model)
    admin = person("admin", "platform_admin")
    services.vendor_model_link(actor=admin, vendor=vendor, model=secret)
    assert AuditEvent.objects.filter(action="vendor.model_linked").count() == 2
    with pytest.raises(NotAllowed):
        services.vendor_model_link(actor=manager, vendor=vendor, model=secret)  # the board member cannot see it
    outsider = person("outsider", "data_scientist", units=(units["CORP"],))
    assert [m["name"] for m in api(outsider).get(f"/api/v1/vendors/{vendor.pk}/").json()["models"]] == ["fraud-scorer"]
    assert {m["name"] for m in api(ds).get(f"/api/v1/vendors/{vendor.pk}/").json()["models"]} == {
        "fraud-scorer",
        "secret-llm",
    }
    client.force_login(outsider)
    page = client.get(f"/governance/vendors/{vendor.pk}/").content.decode()
    assert "fraud-scorer" in page and "secret-llm" not in page and "No training on customer data" in page
    listing = client.get("/governance/vendors/").content.decode()
    assert "Acme AI" in listing and "secret-llm" not in listing
    with pytest.raises(Conflict):
        services.vendor_model_link(actor=manager, vendor=None, model=model, expected=Vendor(pk=0, name="Other"))
    services.vendor_model_link(actor=manager, vendor=None, model=model)
    assert SuppliedModel.objects.get(model=model).vendor is None
    assert [link.model.name for link in selectors.supplied_models(user=ds)] == ["secret-llm"]


def test_vendor_api(manager, model, ds, api):
    created = api(manager).post("/api/v1/vendors/", {"name": "Beta ML", **CLAUSES})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api(ds).post("/api/v1/vendors/", {"name": "Nope"}).status_code == 403
    assert api(ds).patch(f"/api/v1/vendors/{pk}/", {"due_diligence": "approved"}).status_code == 403
    assert api(manager).post("/api/v1/vendors/", {"name": "Beta ML"}).status_code == 400
    patched = api(manager).patch(f"/api/v1/vendors/{pk}/", {"due_diligence": "rejected"})
    assert patched.status_code == 200 and patched.json()["due_diligence"] == "rejected"
    assert api(manager).put(f"/api/v1/vendors/{pk}/", {"name": "x"}).status_code == 405
    linked = api(manager).post(f"/api/v1/vendors/{pk}/link/", {"model": model.pk})
    assert linked.status_code == 200 and linked.json()["models"] == [{"id": model.pk, "name": "fraud-scorer"}]
    assert api(ds).post(f"/api/v1/vendors/{pk}/link/", {"model": model.pk}).status_code == 403
    assert api(manager).post(f"/api/v1/vendors/{pk}/unlink/", {"model": model.pk}).json()["models"] == []
    assert api(manager).post(f"/api/v1/vendors/{pk}/unlink/", {"model": model.pk}).status_code == 409
    assert api(ds).get("/api/v1/vendors/", {"due_diligence": "rejected"}).json()["count"] == 1


def test_the_admin_edits_vendors_through_the_service(client, units):
    admin = person("admin", "platform_admin")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    answer = client.post(
        "/admin/sourcing/vendor/add/",
        {"name": "Gamma", "due_diligence": "not_started", "lock_in_risk": "low", "last_assessed_on": ""},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    vendor = Vendor.objects.get(name="Gamma")
    assert AuditEvent.objects.filter(action="vendor.created", target_id=str(vendor.pk)).exists()


def test_the_vendor_list_takes_a_fixed_number_of_queries(
    manager, ds, units, api, client, django_assert_max_num_queries
):
    def add(n, start):
        for i in range(n):
            vendor = services.vendor_create(actor=manager, name=f"Vendor {start + i}")
            case = portfolio.use_case_create(
                actor=person("pm", "program_manager", units=(units["RETAIL"],)),
                title=f"C{start + i}",
                business_unit=units["RETAIL"],
                problem_statement="x",
            )
            services.vendor_model_link(
                actor=manager,
                vendor=vendor,
                model=lifecycle.model_register(actor=ds, name=f"m{start + i}", use_case=case),
            )

    add(2, 0)
    client.force_login(ds)
    with django_assert_max_num_queries(12) as few:
        assert api(ds).get("/api/v1/vendors/").status_code == 200
    with django_assert_max_num_queries(20) as few_page:
        assert client.get("/governance/vendors/").status_code == 200
    add(8, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api(ds).get("/api/v1/vendors/").json()["count"] == 10
    with django_assert_max_num_queries(len(few_page.captured_queries)):
        assert client.get("/governance/vendors/").status_code == 200

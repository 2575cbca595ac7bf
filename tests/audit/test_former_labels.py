"""A record whose model moved app keeps its earlier events under the former label (the trail is never
rewritten); the audit page and API find them beside the new ones, and the chain still verifies."""

from types import SimpleNamespace

from audit import services as audit
from audit.labels import labels_of
from audit.models import AuditEvent
from sourcing import services as sourcing


def _recorded_before_the_move(vendor, actor):
    """An event as governance wrote it about the vendor, before sourcing held vendors."""
    former = SimpleNamespace(pk=vendor.pk, _meta=SimpleNamespace(label_lower="governance.vendor"))
    return audit.record(actor=actor, action="vendor.updated", target=former, target_repr=vendor.name)


def test_the_audit_filter_finds_a_moved_records_events_under_both_labels(make_user, api, client, units):
    admin = make_user("admin", "platform_admin")
    executive = make_user("boss", "executive")
    vendor = sourcing.vendor_create(actor=admin, name="Northwind", services="hosted models")
    old = _recorded_before_the_move(vendor, admin)
    new = AuditEvent.objects.get(action="vendor.created", target_id=str(vendor.pk))
    assert (old.target_type, new.target_type) == ("governance.vendor", "sourcing.vendor")

    for label in ("sourcing.vendor", "governance.vendor"):
        body = api(executive).get(f"/api/v1/audit-events/?target_type={label}&target_id={vendor.pk}").json()
        assert {row["id"] for row in body["results"]} == {old.pk, new.pk}, label
    client.force_login(executive)
    page = client.get(f"/audit/?target_type=sourcing.vendor&target_id={vendor.pk}").content.decode()
    assert "<code>vendor.created</code>" in page and "<code>vendor.updated</code>" in page
    # Other types are not widened: a use case's label has no former one.
    assert labels_of("portfolio.usecase") == ["portfolio.usecase"]
    assert api(executive).get("/api/v1/audit-events/verify/").json()["ok"] is True

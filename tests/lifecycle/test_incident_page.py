"""The incidents page: rollbacks and emergency releases on the models the reader may see, with who opened them."""

from django.urls import reverse

from lifecycle.models import Incident
from tests.monitoring.factories import version_of


def test_the_incidents_page_lists_what_the_reader_may_see_with_full_names(client, units, make_user):
    pm = make_user("pm", "program_manager", units=(units["RETAIL"], units["CORP"]))
    ds = make_user("ds", "data_scientist", units=(units["RETAIL"], units["CORP"]), first_name="Dana", last_name="Shah")
    retail = version_of(pm=pm, ds=ds, unit=units["RETAIL"], name="fraud").model
    corporate = version_of(pm=pm, ds=ds, unit=units["CORP"], name="lending", confidential=True).model
    Incident.objects.create(model=retail, kind="rollback", opened_by=ds, description="v2 suspended, v1 restored")
    Incident.objects.create(model=corporate, kind="emergency_release", opened_by=ds, description="v3 released")

    client.force_login(make_user("reader", "data_scientist", units=(units["RETAIL"],)))
    page = client.get(reverse("lifecycle:incident_list")).content.decode()
    table = page.split('data-testid="incident-table"')[1].split("</table>")[0]
    assert "v2 suspended, v1 restored" in table and "Rollback" in table and "Dana Shah" in table
    assert "v3 released" not in table  # a confidential model of another unit

    client.force_login(pm)
    page = client.get(reverse("lifecycle:incident_list"), {"kind": "emergency_release"}).content.decode()
    table = page.split('data-testid="incident-table"')[1].split("</table>")[0]
    assert "v3 released" in table and "Emergency release" in table and "v2 suspended" not in table

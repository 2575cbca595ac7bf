"""The lifecycle calendar page and its iCalendar feed, scoped to what the reader may see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lifecycle import calendar, decommissioning, services
from portfolio import services as portfolio


@pytest.fixture
def plans(units, make_user):
    owners = {}
    for code in ("RETAIL", "CORP"):
        pm = make_user(f"pm-{code}", "program_manager", units=(units[code],))
        ds = owners[code] = make_user(f"ds-{code}", "data_scientist", units=(units[code],))
        use_case = portfolio.use_case_create(
            actor=pm, title=f"Secret {code}", business_unit=units[code], confidential=True
        )
        model = services.model_register(actor=ds, name=f"model-{code}", use_case=use_case)
        decommissioning.decommission_plan_create(
            actor=ds, model=model, reason="no_longer_needed", sunset_date=timezone.localdate() + timedelta(days=40)
        )
    admin = make_user("admin", "platform_admin")
    now = timezone.now()
    services.freeze_window_create(
        actor=admin, name="Year-end, close; books", start=now + timedelta(days=3), end=now + timedelta(days=9)
    )
    return owners


def test_the_page_lists_freezes_and_only_the_sunsets_the_reader_may_see(plans, client):
    client.force_login(plans["RETAIL"])
    page = client.get("/lifecycle/calendar/").content.decode()
    assert "Freeze: Year-end, close; books" in page and "Sunset: model-RETAIL" in page
    assert "model-CORP" not in page
    later = client.get("/lifecycle/calendar/", {"from": (timezone.localdate() + timedelta(days=200)).isoformat()})
    assert "Nothing in these 90 days." in later.content.decode()


def test_the_feed_is_valid_icalendar_for_the_token_owner_only(plans, client):
    token = calendar.feed_token(plans["CORP"])
    response = client.get(f"/lifecycle/calendar/{token}/lodestar.ics")
    assert response["Content-Type"] == "text/calendar"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0") and body.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Sunset: model-CORP" in body and "model-RETAIL" not in body
    assert "SUMMARY:Freeze: Year-end\\, close\\; books" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert body.count("BEGIN:VEVENT") == body.count("END:VEVENT") == 2
    assert client.get(f"/lifecycle/calendar/{token}x/lodestar.ics").status_code == 404

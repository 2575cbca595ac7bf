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


def _unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def _unescape(text: str) -> str:
    out, chars = [], iter(text)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars)
            out.append("\n" if nxt in "nN" else nxt)
        else:
            out.append(ch)
    return "".join(out)


def test_a_title_with_line_breaks_cannot_forge_an_event_and_round_trips(plans, client):
    """Issue 20 finding 7: a CR/LF in a title must not end the SUMMARY line and start a VEVENT of its own."""
    from lifecycle.models import FreezeWindow

    forged = "Quiet week\r\nEND:VEVENT\r\nBEGIN:VEVENT\rUID:forged@evil\nSUMMARY:Ship it, no review; \\ really"
    FreezeWindow.objects.filter(name__startswith="Year-end").update(name=forged * 2)
    body = client.get(f"/lifecycle/calendar/{calendar.feed_token(plans['CORP'])}/lodestar.ics").content.decode()
    lines = body.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2  # the sunset and the freeze, no more
    assert all(len(line.encode()) <= 75 for line in lines) and "\r" not in body.replace("\r\n", "")
    assert "\n" not in body.replace("\r\n", "")
    summaries = [_unescape(line[8:]) for line in _unfold(body) if line.startswith("SUMMARY:")]
    normalised = forged.replace("\r\n", "\n").replace("\r", "\n")
    assert f"Freeze: {normalised * 2}" in summaries
    assert not any(line.startswith("UID:forged") for line in _unfold(body))


def test_the_feed_link_rotates_on_demand_and_with_the_password(plans, client):
    """T25: a leaked feed link dies when its holder asks for a new one, and when their password changes."""
    from audit.models import AuditEvent

    user = plans["RETAIL"]
    client.force_login(user)
    page = client.get("/lifecycle/calendar/").content.decode()
    old = calendar.feed_token(user)
    assert old in page and 'data-testid="feed-rotate"' in page
    assert client.get(f"/lifecycle/calendar/{old}/lodestar.ics").status_code == 200
    assert client.post("/lifecycle/calendar/rotate/").status_code == 302
    new = calendar.feed_token(user)
    # The link is signed with its time: the page, rendered a second later, carries the same key, newly stamped.
    key = new.split(":")[0]
    assert key != old.split(":")[0] and key in client.get("/lifecycle/calendar/").content.decode()
    assert client.get(f"/lifecycle/calendar/{old}/lodestar.ics").status_code == 404
    assert client.get(f"/lifecycle/calendar/{new}/lodestar.ics").status_code == 200
    assert AuditEvent.objects.filter(action="auth.calendar_feed_rotated", actor=user).exists()
    user.set_password("a-brand-new-password-42")
    user.save()
    assert client.get(f"/lifecycle/calendar/{new}/lodestar.ics").status_code == 404
    assert client.get(f"/lifecycle/calendar/{calendar.feed_token(user)}/lodestar.ics").status_code == 200

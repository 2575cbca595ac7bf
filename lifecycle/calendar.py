"""The lifecycle calendar: freeze windows, sunset dates, portfolio reviews, and whatever higher apps
add (governance registers approval expiries and reassessments with `register_source`). Also served as
an iCalendar feed, so the dates land in the calendars people already use."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from core import tokens
from lifecycle.models import DecommissionPlan, FreezeWindow
from portfolio.models import PortfolioReview


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    kind: str  # freeze, sunset, review, approval_expiry, reassessment…
    title: str
    start: date | datetime
    end: date | datetime | None = None
    url: str = ""
    detail: str = ""

    @property
    def day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start


Source = Callable[..., Iterable[CalendarEvent]]
_sources: list[Source] = []


def register_source(source: Source) -> None:
    """`source(user=, start=, end=)` yields the CalendarEvents the user may see between two dates."""
    if source not in _sources:
        _sources.append(source)


def _freezes(*, user, start: date, end: date):
    for window in FreezeWindow.objects.filter(start__date__lte=end, end__date__gte=start):
        yield CalendarEvent(
            uid=f"freeze-{window.pk}",
            kind="freeze",
            title=f"Freeze: {window.name}",
            start=window.start,
            end=window.end,
            detail=f"{', '.join(window.environments)} frozen. {window.reason}".strip(),
        )


def _sunsets(*, user, start: date, end: date):
    plans = (
        DecommissionPlan.objects.restrict(user, "view")
        .filter(sunset_date__range=(start, end), status__in=["draft", "approved", "announced"])
        .select_related("model", "version")
    )
    for plan in plans:
        yield CalendarEvent(
            uid=f"sunset-{plan.pk}",
            kind="sunset",
            title=f"Sunset: {plan.version or plan.model}",
            start=plan.sunset_date,
            url=reverse("lifecycle:decommission_detail", args=[plan.pk]),
            detail=f"{plan.get_reason_display()} ({plan.get_status_display().lower()}).",
        )


def _portfolio_reviews(*, user, start: date, end: date):
    for review in PortfolioReview.objects.filter(held_on__range=(start, end)):
        yield CalendarEvent(
            uid=f"portfolio-review-{review.pk}",
            kind="review",
            title=f"Portfolio review: {review.title}",
            start=review.held_on,
        )


register_source(_freezes)
register_source(_sunsets)
register_source(_portfolio_reviews)


def calendar_events(*, user, start: date, end: date) -> list[CalendarEvent]:
    events = [event for source in _sources for event in source(user=user, start=start, end=end)]
    return sorted(events, key=lambda e: (e.day, e.kind, e.title))


# --- iCalendar (RFC 5545) ----------------------------------------------------------------------------


def feed_token(user) -> str:
    """The secret of the user's feed link (core.tokens: rotates on demand and when the password changes)."""
    return tokens.calendar_feed_token(user)


def feed_user(token: str):
    """The active user whose current feed link this is, or None."""
    return tokens.calendar_feed_user(token)


def _escape(text: str) -> str:
    """A TEXT value per RFC 5545 §3.3.11: backslash, semicolon and comma escaped, every line break (CR LF, CR
    or LF) written as \\n, other control characters dropped: nothing in a title can end its line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or (ord(ch) >= 0x20 and ord(ch) != 0x7F))
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 §3.1): the space counts,
    so a continuation carries 74 octets of the value."""
    data, parts, limit = line.encode(), [], 75
    while len(data) > limit:
        cut = limit
        while (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode())
        data, limit = data[cut:], 74
    parts.append(data.decode())
    return "\r\n ".join(parts)


def _when(name: str, value: date | datetime) -> str:
    if isinstance(value, datetime):
        return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def to_ical(events: Iterable[CalendarEvent], *, site_url: str) -> str:
    stamp = f"{timezone.now().astimezone(UTC):%Y%m%dT%H%M%SZ}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Lodestar//Lifecycle calendar//EN", "CALSCALE:GREGORIAN"]
    for event in events:
        end = event.end or (event.start + timedelta(days=1) if not isinstance(event.start, datetime) else event.start)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@lodestar",
            f"DTSTAMP:{stamp}",
            _when("DTSTART", event.start),
            _when("DTEND", end),
            f"SUMMARY:{_escape(event.title)}",
            f"CATEGORIES:{_escape(event.kind)}",
        ]
        if event.detail:
            lines.append(f"DESCRIPTION:{_escape(event.detail)}")
        if event.url:
            lines.append(f"URL:{site_url.rstrip('/')}{event.url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"

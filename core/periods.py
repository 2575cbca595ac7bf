"""Calendar quarters, as the portfolio reviews and the dashboards count them; business days for deadlines."""

from datetime import date, datetime, timedelta


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_label(day: date | datetime) -> str:
    """2026-Q4 style, the label quarterly reviews use."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters_back(day: date, count: int) -> list[date]:
    """The first days of the `count` quarters ending with the one holding the day, oldest first."""
    start = quarter_start(day)
    starts = []
    for _ in range(count):
        starts.append(start)
        start = quarter_start(date(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1))
    return starts[::-1]


def add_business_days(day: date, count: int) -> date:
    """The day `count` business days after `day`, skipping Saturdays and Sundays (public holidays are not
    known here). Friday plus 5 is the next Friday; a Saturday plus 1 is the Monday."""
    if count < 0:
        raise ValueError("count must not be negative")
    while count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def day_window(after: date | None, before: date | None) -> tuple[datetime | None, datetime | None]:
    """Aware bounds [start, end) of the local days `after` to `before`, both included (either may be None),
    so a filter on a timestamp column counts the same days as TruncQuarter/TruncDate in the current zone."""
    from django.utils import timezone

    start = timezone.make_aware(datetime.combine(after, datetime.min.time())) if after else None
    end = timezone.make_aware(datetime.combine(before + timedelta(days=1), datetime.min.time())) if before else None
    return start, end


def quarter_end(day: date) -> date:
    """The last day of the quarter holding the day."""
    start = quarter_start(day)
    return date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1) - timedelta(days=1)


def within(queryset, field: str, start: datetime | None, end: datetime | None):
    """The rows whose `field` lies in [start, end); an open side when None (bounds from day_window)."""
    if start:
        queryset = queryset.filter(**{f"{field}__gte": start})
    return queryset.filter(**{f"{field}__lt": end}) if end else queryset

"""Calendar quarters, as the portfolio reviews and the dashboards count them."""

from datetime import date, datetime


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

"""Exchange rates an admin enters, and the conversions that use them: one currency per figure (issue 19).

Costs are synced in USD (`cost_usd`); values are in the portfolio's currency (settings.CURRENCY) or a value
contract's. A figure that combines them converts the cost first, with the rate in force on the day, and says
which rate it used. Without a recorded rate nothing is combined: the figures are shown apart. A rate entered
one way (USD → EUR) also converts the other way (its inverse).
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from audit import services as audit
from core.exceptions import ApplicationError
from core.permissions import require_model_perm
from monitoring.models import ExchangeRate

CODE = re.compile(r"^[A-Z]{3}$")
MAX_RATE = Decimal("1e9")


@dataclass(frozen=True)
class Rate:
    """The rate that converts `source` into `target` on a day, and the record it comes from."""

    source: str
    target: str
    factor: Decimal  # multiply an amount in `source` by it
    effective_on: date | None
    record: ExchangeRate | None = None

    @property
    def caption(self) -> str:
        if self.record is None:
            return ""
        return f"1 {self.source} = {self.factor:.4f} {self.target} (rate from {self.effective_on})"


def portfolio_currency() -> str:
    """The currency of the portfolio's values (settings.CURRENCY)."""
    return settings.CURRENCY


def is_currency(unit: str) -> bool:
    """Whether a metric's unit names a currency (an ISO 4217 code such as USD)."""
    return bool(CODE.match(unit or ""))


def _code(value: str, *, field: str) -> str:
    code = (value or "").strip().upper()
    if not CODE.match(code):
        raise ApplicationError(
            f"{field}: give a three-letter ISO 4217 code, e.g. USD or EUR.", details={field: ["Not a currency code."]}
        )
    return code


# --- Entering a rate ----------------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_set(
    *, actor, base_currency: str, quote_currency: str, rate, effective_on: date, source: str = ""
) -> ExchangeRate:
    """Record the rate of a currency pair from a date on (platform admins). A second rate for the same pair
    and day corrects the first; both are audited with the rate before and after."""
    require_model_perm(actor, ExchangeRate, "add")
    base, quote = _code(base_currency, field="base_currency"), _code(quote_currency, field="quote_currency")
    if base == quote:
        raise ApplicationError(
            "quote_currency: a rate converts between two different currencies.", details={"quote_currency": ["Same."]}
        )
    try:
        rate = Decimal(str(rate))
    except (InvalidOperation, ValueError):
        raise ApplicationError("rate: give a number, e.g. 0.92.", details={"rate": ["Not a number."]}) from None
    if not rate.is_finite() or rate <= 0 or rate >= MAX_RATE:
        raise ApplicationError(
            f"rate: give how many {quote} one {base} buys, above zero.", details={"rate": ["Out of range."]}
        )
    existing = (
        ExchangeRate.objects.select_for_update()
        .filter(base_currency=base, quote_currency=quote, effective_on=effective_on)
        .first()
    )
    before = {"rate": str(existing.rate), "source": existing.source} if existing else {}
    record = existing or ExchangeRate(base_currency=base, quote_currency=quote, effective_on=effective_on)
    source = (source or "").strip()[:200]
    record.rate, record.source, record.entered_by = rate, source, actor
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ApplicationError(
            "effective_on: a rate for this pair and day was entered at the same moment; reload and try again."
        ) from None
    audit.record(
        actor=actor,
        action="exchange_rate.corrected" if existing else "exchange_rate.set",
        target=record,
        before=before,
        after={
            "pair": f"{base}/{quote}",
            "rate": str(rate),
            "effective_on": str(effective_on),
            "source": record.source,
        },
    )
    return record


# --- Reading and converting ---------------------------------------------------------------------------


def exchange_rate_list():
    """Every rate entered, by pair, newest first."""
    return ExchangeRate.objects.select_related("entered_by")


def rate_on(*, source: str, target: str, on: date) -> Rate | None:
    """The rate in force on `on` that converts `source` into `target` (entered either way round), or None when
    no rate of the pair was recorded on or before that day. One query."""
    if source == target:
        return Rate(source, target, Decimal(1), None)
    record = (
        ExchangeRate.objects.filter(
            Q(base_currency=source, quote_currency=target) | Q(base_currency=target, quote_currency=source),
            effective_on__lte=on,
        )
        .order_by("-effective_on", "-updated_at")
        .first()
    )
    if record is None:
        return None
    factor = record.rate if record.base_currency == source else Decimal(1) / record.rate
    return Rate(source, target, factor, record.effective_on, record)


def rates_by_day(*, source: str, target: str, days) -> dict[date, Rate | None]:
    """The rate in force on each of `days` (two queries at most, whatever the number of days)."""
    days = sorted(set(days))
    if not days or source == target:
        return {day: Rate(source, target, Decimal(1), None) for day in days}
    records = list(
        ExchangeRate.objects.filter(
            Q(base_currency=source, quote_currency=target) | Q(base_currency=target, quote_currency=source),
            effective_on__lte=days[-1],
        ).order_by("effective_on", "updated_at")
    )
    found, current, index = {}, None, 0
    for day in days:
        while index < len(records) and records[index].effective_on <= day:
            current, index = records[index], index + 1
        if current is None:
            found[day] = None
        else:
            factor = current.rate if current.base_currency == source else Decimal(1) / current.rate
            found[day] = Rate(source, target, factor, current.effective_on, current)
    return found

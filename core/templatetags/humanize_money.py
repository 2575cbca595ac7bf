from decimal import Decimal

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def money(value) -> str:
    """12_500_000 -> 'EUR 12.5 M', 600_000 -> 'EUR 600 k': readable at enterprise sizes."""
    amount = Decimal(value or 0)
    for limit, suffix, digits in ((Decimal(10**9), " B", 1), (Decimal(10**6), " M", 1), (Decimal(10**3), " k", 0)):
        if abs(amount) >= limit:
            return f"{settings.CURRENCY} {amount / limit:,.{digits}f}{suffix}"
    return f"{settings.CURRENCY} {amount:,.0f}"


@register.filter
def plain(value) -> str:
    """A decimal without trailing zeros: 9.0000 -> '9', 4.5000 -> '4.5'."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value).normalize():f}"

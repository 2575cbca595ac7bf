from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """12_500_000 -> '12.5 M'; keeps dashboards readable at enterprise sizes."""
    if value in (None, ""):
        return "0"
    amount = Decimal(value)
    for limit, suffix in ((Decimal(1_000_000_000), " B"), (Decimal(1_000_000), " M"), (Decimal(1_000), " k")):
        if abs(amount) >= limit:
            return f"{amount / limit:.1f}{suffix}"
    return f"{amount:.0f}"

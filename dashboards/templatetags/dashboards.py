"""Small server-side figures: a sparkline is an inline SVG polyline, no script needed (CSP)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def sparkline(points, width=120, height=28):
    """[(date, value), ...] as an SVG polyline scaled to the box; an em dash without two points."""
    values = [float(v) for _, v in points]
    if len(values) < 2:
        return "—"
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    step = width / (len(values) - 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / spread * (height - 4):.1f}" for i, v in enumerate(values)
    )
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="trend of {} points">'
        '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>',
        width,
        height,
        width,
        height,
        len(values),
        coords,
    )


@register.filter
def pct(share):
    """0.734 -> '73 %'; None -> '—'."""
    return "—" if share is None else f"{float(share) * 100:.0f} %"


@register.simple_tag
def export_url(query, name):
    return f"?{query}&export={name}" if query else f"?export={name}"

"""How the audit trail reads to a person: changes as `field: before → after`, values in words, not Python reprs.

Display only: the stored event (and its hash) is left exactly as recorded.
"""

from dataclasses import dataclass

from django import template

from core.lockout import LOGIN_FAILED

register = template.Library()

NOTHING = "∅"


def readable(value) -> str:
    """One stored JSON value in words: lists joined by commas, mappings as `key: value`, booleans as yes/no."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(readable(item) for item in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item)}" for key, item in value.items()) if value else "none"
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    created: bool  # nothing before: the value was set, not changed


@register.simple_tag
def audit_changes(changes) -> list[Change]:
    """The event's `{field: [before, after]}` as rows; a value stored in another shape is shown as it is."""
    rows = []
    for field, pair in (changes or {}).items():
        label = str(field).replace("_", " ")
        if isinstance(pair, list) and len(pair) == 2:
            before, after = pair
            rows.append(Change(label, readable(before), readable(after), created=before is None))
        else:
            rows.append(Change(label, NOTHING, readable(pair), created=True))
    return rows


@register.filter
def audit_actor(event) -> str:
    """Who acted. A failed sign-in has no signed-in actor: it names the username that was tried."""
    if event.action == LOGIN_FAILED:
        return f"{event.target_repr or 'an empty username'} (failed sign-in)"
    return event.actor_name

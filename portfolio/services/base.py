"""Helpers the portfolio services share."""

from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError


def _audit_value(obj, field: str):
    """A value an auditor can read: a related record as its name with its id, e.g. 'RETAIL · Retail (#3)'."""
    if hasattr(obj, f"{field}_id"):
        related = getattr(obj, field)
        return None if related is None else f"{related} (#{related.pk})"
    return getattr(obj, field)


def snapshot(obj, fields) -> dict:
    """Field values for the audit trail; related records by name and id."""
    return {field: _audit_value(obj, field) for field in fields}


def validate(obj, exclude=None) -> None:
    """Model validation as a 400 that names each bad field, before anything is written."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ApplicationError(
            f"Invalid {obj._meta.verbose_name}: "
            + "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()),
            details=exc.message_dict,
        ) from exc

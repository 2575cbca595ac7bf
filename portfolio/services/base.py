"""Helpers the portfolio services share."""

from django.core.exceptions import ValidationError

from core.exceptions import ApplicationError


def snapshot(obj, fields) -> dict:
    """Field values for the audit trail; foreign keys as ids."""
    return {f: (getattr(obj, f"{f}_id") if hasattr(obj, f"{f}_id") else getattr(obj, f)) for f in fields}


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

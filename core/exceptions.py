"""Errors a service raises; the API and the pages turn them into answers a person understands."""


class ApplicationError(Exception):
    """The request is invalid (HTTP 400)."""

    status_code = 400

    def __init__(self, message: str, *, details: dict | list | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotAllowed(ApplicationError):
    """The actor may not do this (HTTP 403)."""

    status_code = 403


class Conflict(ApplicationError):
    """The current state forbids the action, e.g. a gate failed (HTTP 409)."""

    status_code = 409


class PreconditionFailed(ApplicationError):
    """The request was made against a state that has changed since (a stale If-Match; HTTP 412)."""

    status_code = 412


class ServiceUnavailable(ApplicationError):
    """A service Lodestar depends on (MLflow) cannot be reached; nothing was changed (HTTP 503)."""

    status_code = 503


def require_text(value: str | None, *, field: str, hint: str) -> str:
    """The text, stripped; blank text is refused with the field named and a hint of what to write."""
    text = (value or "").strip()
    if not text:
        raise ApplicationError(f"{field}: {hint}", details={field: ["Required."]})
    return text


def as_date(value, *, field: str):
    """A date from a date or an ISO text; anything else is refused naming the field."""
    from datetime import date

    from django.utils.dateparse import parse_date

    if isinstance(value, date):
        return value
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        raise ApplicationError(f"{field}: give a date as YYYY-MM-DD.", details={field: ["Not a date."]})
    return parsed

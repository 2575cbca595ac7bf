"""Policy values lifecycle needs but governance owns. Governance installs its provider in
AppConfig.ready(); until then (or without governance) the defaults below apply."""

from collections.abc import Callable

DEFAULT_NOTICE_DAYS = 30
_notice_days: Callable[..., int | None] | None = None


def provide_notice_days(provider: Callable[..., int | None]) -> None:
    """`provider(model)` returns the decommissioning notice period in days for the model's risk tier."""
    global _notice_days
    _notice_days = provider


def notice_days_for(model) -> int:
    days = _notice_days(model) if _notice_days is not None else None
    return DEFAULT_NOTICE_DAYS if days is None else days


# `provider(model)` returns [{"code", "name", "permission"}]: the review-board functions whose approval a
# decommission plan of `model` needs (the sign-off functions its risk tier requires).
_decommission_functions: Callable[..., list[dict]] | None = None


def provide_decommission_functions(provider: Callable[..., list[dict]]) -> None:
    global _decommission_functions
    _decommission_functions = provider


def decommission_functions_for(model) -> list[dict]:
    return list(_decommission_functions(model)) if _decommission_functions is not None else []

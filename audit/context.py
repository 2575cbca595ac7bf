"""Request context (request id, client address) that audit events pick up without threading it through."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None
    # The signed-in user of the request, the actor of events whose code path has no actor at hand.
    user: object = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("lodestar_request_context", default=_EMPTY)  # noqa: B039 (frozen)


def set_current(context: RequestContext):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)


def current() -> RequestContext:
    return _current.get()

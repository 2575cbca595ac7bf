"""Signing by re-authentication at the provider: what to do once the provider vouched for the signer.

identity sits below governance, so governance registers, in its AppConfig.ready(), how each kind of signature
completes (lifecycle's gates registry is the model). The completion calls governance's own service with the
proof; that service decides (identity.services.reauthentication_use)."""

from collections.abc import Callable
from dataclasses import dataclass

_COMPLETIONS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Signed:
    """What a completion reports back to the signer."""

    message: str


def register(kind: str, complete: Callable) -> None:
    """`complete(user=, object_id=, payload=, proof=) -> Signed`, raising ApplicationError when refused."""
    _COMPLETIONS[kind] = complete


def action_name(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def completion_for(action: str) -> tuple[Callable, int]:
    kind, _, object_id = action.partition(":")
    return _COMPLETIONS[kind], int(object_id)

"""Gates a version must pass to enter a stage. Higher apps (governance, monitoring) register theirs in
AppConfig.ready(): `lifecycle.gates.register(Stage.PRODUCTION, check)`. A check takes the version and
returns None when it passes, or a sentence saying what is missing."""

from collections.abc import Callable
from dataclasses import dataclass

Check = Callable[..., str | None]
_registry: dict[str, list[tuple[str, Check]]] = {}
Listener = Callable[..., None]
_listeners: dict[str, list[Listener]] = {}


@dataclass(frozen=True)
class GateResult:
    gate: str
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict:
        return {"gate": self.gate, "passed": self.passed, "detail": self.detail}


def register(stage: str, check: Check, *, name: str | None = None) -> None:
    """Add a gate for entering `stage` (idempotent: the same check is registered once)."""
    gates = _registry.setdefault(stage, [])
    gate_name = name or check.__name__
    if all(existing is not check for _, existing in gates):
        gates.append((gate_name, check))


def run(*, version, to_stage: str) -> list[GateResult]:
    results = []
    for name, check in _registry.get(to_stage, []):
        problem = check(version)
        results.append(GateResult(name, problem is None, problem or ""))
    return results


def registered(stage: str) -> list[str]:
    return [name for name, _ in _registry.get(stage, [])]


def on_enter(stage: str, listener: Listener) -> None:
    """Call `listener(version=, actor=, from_stage=, reason=)` inside the transition's transaction each time a
    version enters `stage` (e.g. governance opens a review on pending approval). Raising refuses the move."""
    listeners = _listeners.setdefault(stage, [])
    if listener not in listeners:
        listeners.append(listener)


def entered(*, version, actor, from_stage: str, reason: str) -> None:
    for listener in _listeners.get(version.stage, []):
        listener(version=version, actor=actor, from_stage=from_stage, reason=reason)


# --- Lifecycle's own gates --------------------------------------------------------------------------


def has_signature(version) -> str | None:
    """Before review, a version declares what it takes and returns."""
    signature = version.signature or {}
    if not signature.get("inputs"):
        return "The version has no input signature: record what it takes before asking for approval."
    return None


def has_production_deployment(version) -> str | None:
    """Production needs a record of where and how the version will run."""
    if not version.deployments.filter(environment="production", status__in=["planned", "active"]).exists():
        return "No production deployment is recorded for this version: record where and how it will run."
    return None


def outside_freeze_window(version) -> str | None:
    """No production release inside a freeze window, unless a second person approved an emergency."""
    from django.utils import timezone

    from lifecycle.models import EmergencyApproval, FreezeWindow

    now = timezone.now()
    frozen = [w for w in FreezeWindow.objects.filter(start__lte=now, end__gt=now) if "production" in w.environments]
    if not frozen or EmergencyApproval.objects.filter(version=version).exists():
        return None
    return (
        f"Production is frozen until {frozen[0].end:%Y-%m-%d %H:%M} UTC ({frozen[0].name}); "
        "an emergency approval by a second person is needed."
    )

"""Gates a version must pass to enter a stage. Higher apps (governance, monitoring) register theirs in
AppConfig.ready(): `lifecycle.gates.register(Stage.PRODUCTION, check)`. A check takes the version and
returns None when it passes, or a sentence saying what is missing.

A gate registered `waivable=True` may be waived for one version by a waiver a higher app provides
(`register_waiver`): governance's emergency release, approved by two people, waives the review gates of
production for that version only, while it is valid. The waived gate passes with a detail that names the
waiver and what it waived; gates not registered as waivable always apply."""

from collections.abc import Callable
from dataclasses import dataclass

Check = Callable[..., str | None]
_registry: dict[str, list[tuple[str, Check]]] = {}
Listener = Callable[..., None]
_listeners: dict[str, list[Listener]] = {}
_waivable: set[tuple[str, str]] = set()  # (stage, gate name)


@dataclass(frozen=True)
class GateResult:
    gate: str
    passed: bool
    detail: str = ""

    def as_dict(self) -> dict:
        return {"gate": self.gate, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class Waiver:
    """What a waiver provider says about a version: `by` names what waives its waivable gates ("emergency
    release #4"); otherwise `problem` may say why the waiver it holds does not count (yet), reported as the
    failed gate `gate`."""

    by: str = ""
    problem: str = ""
    gate: str = "waiver"


# waiver(*, version, to_stage) -> Waiver or None
WaiverProvider = Callable[..., Waiver | None]
_waivers: list[WaiverProvider] = []


def register(stage: str, check: Check, *, name: str | None = None, waivable: bool = False) -> None:
    """Add a gate for entering `stage` (idempotent: the same check is registered once)."""
    gates = _registry.setdefault(stage, [])
    gate_name = name or check.__name__
    if all(existing is not check for _, existing in gates):
        gates.append((gate_name, check))
    if waivable:
        _waivable.add((stage, gate_name))


def register_waiver(provider: WaiverProvider) -> None:
    if provider not in _waivers:
        _waivers.append(provider)


def waiver_for(*, version, to_stage: str) -> Waiver:
    """The waiver that holds for this move, else the first reason a waiver does not hold, else nothing."""
    found = [w for provider in _waivers if (w := provider(version=version, to_stage=to_stage)) is not None]
    return next((w for w in found if w.by), None) or next((w for w in found if w.problem), None) or Waiver()


def run(*, version, to_stage: str) -> list[GateResult]:
    results = []
    waiver = None
    for name, check in _registry.get(to_stage, []):
        problem = check(version)
        if problem and (to_stage, name) in _waivable:
            waiver = waiver or waiver_for(version=version, to_stage=to_stage)
            if waiver.by:
                results.append(GateResult(name, True, f"Waived by {waiver.by}: {problem}"))
                continue
        results.append(GateResult(name, problem is None, problem or ""))
    if waiver is not None and not waiver.by and waiver.problem:
        results.append(GateResult(waiver.gate, False, waiver.problem))
    return results


def registered(stage: str) -> list[str]:
    return [name for name, _ in _registry.get(stage, [])]


def waivable(stage: str) -> set[str]:
    """The gates of `stage` a waiver (governance's emergency release) may waive; the others always apply."""
    return {name for waived_stage, name in _waivable if waived_stage == stage}


@dataclass(frozen=True)
class Measure:
    """A threshold beside the value measured now, shown with a gate on the checklist before production."""

    text: str  # "auc 0.74 ≥ 0.7"
    passed: bool
    source: str = ""  # where the value comes from, when it is not the version's run metrics


# measure(version, review) -> tuple[Measure, ...]; review is the version's review (None before one is open)
MeasureProvider = Callable[..., tuple]
_measures: dict[str, MeasureProvider] = {}
_measured_metrics: set[str] = set()


def register_measures(gate: str, provider: MeasureProvider, *, metrics: tuple[str, ...] = ()) -> None:
    """Show what `provider` measures beside the gate `gate` on the checklist (e.g. governance's fairness
    thresholds, measured on a bias assessment). `metrics`: the policy thresholds it measures, which are then
    not looked for among the version's run metrics."""
    _measures[gate] = provider
    _measured_metrics.update(metrics)


def measures(gate: str, *, version, review) -> tuple:
    provider = _measures.get(gate)
    return tuple(provider(version, review)) if provider else ()


def measured_elsewhere(metric: str) -> bool:
    return metric in _measured_metrics


@dataclass(frozen=True)
class Wire:
    """One registration, for `manage.py gates`: a gate (or a hook run on entering) of a stage and its code."""

    stage: str
    name: str
    function: Callable
    waivable: bool = False


def wiring() -> tuple[list[Wire], list[Wire]]:
    """Every gate and every on-enter hook registered, in registration order per stage."""
    gate_wires = [
        Wire(stage, name, check, (stage, name) in _waivable)
        for stage, pairs in _registry.items()
        for name, check in pairs
    ]
    hooks = [Wire(stage, f.__name__, f) for stage, listeners in _listeners.items() for f in listeners]
    return gate_wires, hooks


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


def approved_before_production(version) -> str | None:
    """Production follows a completed review; the emergency edges past it need a waiver (emergency release)."""
    from lifecycle.choices import EMERGENCY_EDGES, Stage

    if (version.stage, Stage.PRODUCTION) not in EMERGENCY_EDGES:
        return None
    return (
        f"{version} is {Stage(version.stage).label.lower()} and was never approved: production needs a completed "
        "review, or an emergency release approved by two holders of the emergency function."
    )


def has_production_deployment(version) -> str | None:
    """Production needs a record of where and how the version will run; a version restored by rollback runs
    where it ran before (its ended production deployment goes live again)."""
    from lifecycle.choices import Stage

    statuses = ["planned", "active"]
    if version.stage in (Stage.DEPRECATED, Stage.SUSPENDED):
        statuses.append("ended")
    if not version.deployments.filter(environment="production", status__in=statuses).exists():
        return "No production deployment is recorded for this version: record where and how it will run."
    return None


def outside_freeze_window(version) -> str | None:
    """No production release inside a freeze window, unless a second person approved an exemption for this
    version that is still valid (until the window's end) and unused (one move into production uses it)."""
    from django.utils import timezone

    from lifecycle.models import EmergencyApproval

    now = timezone.now()
    frozen = production_freezes(now=now)
    if not frozen or usable_freeze_exemption(version, now=now) is not None:
        return None
    window = max(frozen, key=lambda w: w.end)
    pending = EmergencyApproval.objects.filter(
        version=version, status="requested", valid_until__gt=now, window__end__gt=now
    ).first()
    if pending is not None:
        return (
            f"Production is frozen until {window.end:%Y-%m-%d %H:%M} UTC ({window.name}); freeze exemption "
            f"#{pending.pk} waits for a review board member other than its requester to approve it."
        )
    return (
        f"Production is frozen until {window.end:%Y-%m-%d %H:%M} UTC ({window.name}); request an exemption from "
        "the freeze, which a second person approves with their password."
    )


def production_freezes(*, now) -> list:
    """The freeze windows running at `now` that cover production."""
    from lifecycle.models import FreezeWindow

    return [w for w in FreezeWindow.objects.filter(start__lte=now, end__gt=now) if "production" in w.environments]


def usable_freeze_exemption(version, *, now):
    """The approved, unused exemption from the running freeze that lets this version into production, or None."""
    from lifecycle.models import EmergencyApproval

    # Until the window's end as it is now: a window ended early (or shortened) takes its exemptions with it.
    return EmergencyApproval.objects.filter(
        version=version, status="approved", used_at__isnull=True, valid_until__gt=now, window__end__gt=now
    ).first()


def _columns(raw) -> dict[str, str] | None:
    """{name: type} from an MLflow signature part (a JSON string or a list); None when unreadable."""
    import json

    try:
        columns = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    if not isinstance(columns, list):
        return None
    return {str(c.get("name", i)): str(c.get("type", "")) for i, c in enumerate(columns) if isinstance(c, dict)}


def signature_breaks(candidate, production) -> list[str]:
    """What callers of the production version would have to change to call the candidate."""
    new, old = _columns((candidate.signature or {}).get("inputs")), _columns((production.signature or {}).get("inputs"))
    if new is None or old is None:
        return []  # nothing comparable; the signature gate asks for one
    breaks = [f"input {name} is new and callers do not send it" for name in sorted(set(new) - set(old))]
    breaks += [
        f"input {name} changed from {old[name]} to {new[name]}"
        for name in sorted(set(new) & set(old))
        if new[name] != old[name]
    ]
    return breaks


def production_version(version):
    return version.model.versions.filter(stage="production").exclude(pk=version.pk).first()


def signature_compatible(version) -> str | None:
    """A new version takes what callers send today, or its owners acknowledged the break with a reason."""
    production = production_version(version)
    if production is None or version.signature_break_reason:
        return None
    breaks = signature_breaks(version, production)
    if not breaks:
        return None
    return (
        f"The input signature is incompatible with v{production.version} in production ({'; '.join(breaks)}): "
        "acknowledge the break with a reason, and tell the consumers."
    )


def not_worse_than_production(version) -> str | None:
    """The candidate is not worse than production on the model's primary metric beyond its tolerance."""
    model = version.model
    production = production_version(version)
    if not model.primary_metric or production is None:
        return None
    metric, tolerance = model.primary_metric, model.metric_tolerance
    candidate, incumbent = (version.metrics or {}).get(metric), (production.metrics or {}).get(metric)
    if not isinstance(candidate, int | float):
        return f"The version has no {metric} metric to compare with production: record its validation {metric}."
    if not isinstance(incumbent, int | float):
        return None  # production never measured it: nothing to be worse than
    worse_by = (incumbent - candidate) if model.higher_is_better else (candidate - incumbent)
    if worse_by > tolerance + 1e-12:
        return (
            f"{metric} {candidate:g} is worse than v{production.version}'s {incumbent:g} by {worse_by:.4g}, "
            f"more than the tolerance of {tolerance:g}."
        )
    return None

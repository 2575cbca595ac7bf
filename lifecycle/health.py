"""Reasons a production version may be unhealthy that higher apps know of. Monitoring computes the health
check; governance (its sibling, which it may not import) registers what it knows here in
AppConfig.ready(): approvals expiring, reassessments overdue. The same shape as `calendar.register_source`."""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

BAD, WARNING = "bad", "warning"


@dataclass(frozen=True)
class HealthReason:
    severity: str  # BAD or WARNING
    kind: str  # alert, stale_metrics, approval_expired, approval_expiring, reassessment_overdue…
    text: str
    url: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


# provider(*, versions, now) -> {version_id: [HealthReason, ...]}; a few queries for all versions at once.
ReasonProvider = Callable[..., dict[int, list[HealthReason]]]
_providers: list[ReasonProvider] = []


def register_reason_provider(provider: ReasonProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def reasons_for(*, versions: Sequence, now: datetime) -> dict[int, list[HealthReason]]:
    """Every registered provider's reasons for the versions (each version's model and use case loaded)."""
    found: dict[int, list[HealthReason]] = {v.pk: [] for v in versions}
    for provider in _providers:
        for version_id, reasons in provider(versions=versions, now=now).items():
            found.setdefault(version_id, []).extend(reasons)
    return found

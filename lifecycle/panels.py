"""What higher apps show on lifecycle's inventory pages without lifecycle importing them: a badge per model
on the model list and a panel on the model page. Monitoring registers its health badge and panel in
AppConfig.ready(); lifecycle only renders what it is given."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Badge:
    label: str
    color: str
    title: str = ""
    url: str = ""


# badges(*, user, model_ids) -> {model_id: Badge}, a constant number of queries for the whole page.
BadgeProvider = Callable[..., dict[int, Badge]]
# panel(*, request, model) -> rendered HTML (escaped by its own template), or "" for nothing.
PanelProvider = Callable[..., str]
_badges: list[BadgeProvider] = []
_panels: list[PanelProvider] = []


def register_model_badges(provider: BadgeProvider) -> None:
    if provider not in _badges:
        _badges.append(provider)


def register_model_panel(provider: PanelProvider) -> None:
    if provider not in _panels:
        _panels.append(provider)


def model_badges(*, user, model_ids: list[int]) -> dict[int, list[Badge]]:
    found: dict[int, list[Badge]] = {pk: [] for pk in model_ids}
    for provider in _badges:
        for model_id, badge in provider(user=user, model_ids=model_ids).items():
            found.setdefault(model_id, []).append(badge)
    return found


def model_panels(*, request, model) -> list[str]:
    return [html for provider in _panels if (html := provider(request=request, model=model))]

"""What higher apps show on a use case's page without portfolio importing them: a panel each. Monitoring
registers its value-contract panel in AppConfig.ready(); portfolio only renders what it is given (the same
shape as lifecycle.panels for the model page)."""

from collections.abc import Callable

# panel(*, request, use_case) -> rendered HTML (escaped by its own template), or "" for nothing.
UseCasePanelProvider = Callable[..., str]
_panels: list[UseCasePanelProvider] = []


def register_use_case_panel(provider: UseCasePanelProvider) -> None:
    if provider not in _panels:
        _panels.append(provider)


def use_case_panels(*, request, use_case) -> list[str]:
    return [html for provider in _panels if (html := provider(request=request, use_case=use_case))]

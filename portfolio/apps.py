from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        from audit import retention
        from portfolio.models import UseCase

        retention.register_hold_target("use_case", UseCase)

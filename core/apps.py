from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import (
            auth_events,  # noqa: F401  (records sign-ins and permission changes in the audit trail)
            checks,  # noqa: F401  (deployment checks)
        )

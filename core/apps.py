from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import (
            auth_events,  # noqa: F401  (records sign-ins and permission changes in the audit trail)
            checks,  # noqa: F401  (deployment checks)
            tokens,  # noqa: F401  (a password change or deactivation revokes the user's tokens)
        )

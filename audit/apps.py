from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.contrib.sessions.models import Session

        from audit import retention

        # Refuse to start with a retention policy shorter than the law's floors.
        retention.retention_policy()
        # Sessions hold no record; one that expired longer ago than the log retention is of no use to anyone.
        retention.register_purgeable(
            "sessions",
            label="Expired sign-in sessions",
            expired=lambda cutoff: Session.objects.filter(expire_date__lt=cutoff),
        )

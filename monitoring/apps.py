from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from lifecycle import gates
        from lifecycle.choices import Stage
        from monitoring.gates import no_critical_alert

        gates.register(Stage.PRODUCTION, no_critical_alert, name="no open critical alert")

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from lifecycle import gates, panels
        from lifecycle import health as lifecycle_health
        from lifecycle.choices import Stage
        from monitoring import health, retraining, webhooks
        from monitoring.gates import no_critical_alert

        gates.register(Stage.PRODUCTION, no_critical_alert, name="no open critical alert")
        lifecycle_health.register_reason_provider(health.alert_reasons)
        lifecycle_health.register_reason_provider(health.stale_reasons)
        panels.register_model_badges(health.model_badges)
        panels.register_model_panel(health.model_panel)
        gates.on_enter(Stage.REGISTERED, retraining.retraining_requests_tell_new_version)
        gates.on_enter(Stage.SUSPENDED, webhooks.model_suspended)

        from audit import retention as audit_retention
        from monitoring import retention

        audit_retention.register_purgeable(
            "webhook_deliveries",
            label="Finished webhook deliveries",
            expired=retention.webhook_deliveries_expired,
            covered=retention.webhook_deliveries_covered,
        )
        audit_retention.register_purgeable("sync_runs", label="MLflow sync runs", expired=retention.sync_runs_expired)

        from monitoring.views import use_case_value_panel
        from portfolio import panels as portfolio_panels

        portfolio_panels.register_use_case_panel(use_case_value_panel)

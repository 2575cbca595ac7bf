from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = "Model lifecycle"

    def ready(self) -> None:
        from audit import retention
        from lifecycle import gates
        from lifecycle.choices import Stage
        from lifecycle.datasets import datasets_ready
        from lifecycle.decommissioning import retirement_covered
        from lifecycle.models import AIModel

        gates.register(Stage.PENDING_APPROVAL, gates.has_signature, name="input signature recorded")
        gates.register(Stage.PENDING_APPROVAL, datasets_ready, name="datasets recorded")
        gates.register(Stage.PENDING_APPROVAL, gates.signature_compatible, name="input signature compatible")
        gates.register(Stage.PRODUCTION, gates.signature_compatible, name="input signature compatible")
        gates.register(
            Stage.PRODUCTION, gates.approved_before_production, name="approved before production", waivable=True
        )
        gates.register(Stage.PRODUCTION, gates.not_worse_than_production, name="not worse than production")
        gates.register(Stage.RETIRED, retirement_covered, name="decommission plan complete")
        gates.register(Stage.PRODUCTION, gates.has_production_deployment, name="production deployment recorded")
        gates.register(Stage.PRODUCTION, gates.outside_freeze_window, name="outside a freeze window")
        from lifecycle.services import freeze_exemption_use

        gates.on_enter(Stage.PRODUCTION, freeze_exemption_use)  # an exemption from a freeze is used once
        retention.register_hold_target("model", AIModel)

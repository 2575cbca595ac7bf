from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        from governance import calendar_sources, fairness, health, panels, required_evidence
        from governance import gates as governance_gates
        from governance.services import (
            review_deployed,
            review_open,
            reviews_supersede_for_new_version,
        )
        from governance.services.emergency import emergency_release_on_production
        from governance.services.policies import decommission_functions, decommission_notice_days
        from lifecycle import calendar, gates, policies
        from lifecycle import health as lifecycle_health
        from lifecycle import panels as lifecycle_panels
        from lifecycle.choices import Stage

        # The assessment and the prohibited-practice check hold on every path into production, an emergency
        # release included: neither is waivable.
        for stage in (Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.PRODUCTION):
            gates.register(stage, governance_gates.assessment_approved, name="impact assessment approved")
            gates.register(stage, governance_gates.not_prohibited_practice, name="not a prohibited practice")
        gates.register(Stage.APPROVED, governance_gates.review_complete, name="review complete")
        gates.register(Stage.APPROVED, governance_gates.metric_thresholds_met, name="metric thresholds met")
        gates.register(Stage.APPROVED, governance_gates.no_open_high_finding, name="no open high-severity finding")
        gates.register(Stage.APPROVED, governance_gates.model_card_complete, name="model card complete")
        gates.register(Stage.APPROVED, governance_gates.bias_assessment_passed, name="bias assessment passed")
        gates.register(Stage.APPROVED, governance_gates.required_test_evidence, name="required test evidence")
        # An approved emergency release waives these two for its version only (lifecycle.gates waivers).
        gates.register(Stage.PRODUCTION, governance_gates.approval_current, name="approval current", waivable=True)
        gates.register(
            Stage.PRODUCTION, governance_gates.model_card_complete, name="model card complete", waivable=True
        )
        gates.register_waiver(governance_gates.emergency_waiver)
        # The checklist before production shows the fairness thresholds beside the bias gate, not on run metrics.
        gates.register_measures(
            "bias assessment passed", governance_gates.fairness_measures, metrics=fairness.FAIRNESS_METRICS
        )
        gates.on_enter(Stage.PRODUCTION, emergency_release_on_production)
        gates.on_enter(Stage.PRODUCTION, review_deployed)
        lifecycle_panels.register_model_panel(panels.model_emergency_panel)
        gates.on_enter(Stage.PENDING_APPROVAL, review_open)
        gates.on_enter(Stage.REGISTERED, reviews_supersede_for_new_version)
        policies.provide_notice_days(decommission_notice_days)
        policies.provide_decommission_functions(decommission_functions)
        calendar.register_source(calendar_sources.approval_expiries)
        calendar.register_source(calendar_sources.reassessments_due)
        lifecycle_health.register_reason_provider(health.approval_reasons)
        lifecycle_health.register_reason_provider(health.reassessment_reasons)
        lifecycle_panels.register_model_panel(required_evidence.model_panel)
        # Signatures by re-authentication at the identity provider complete through governance's own services.
        from governance import sso_signing

        sso_signing.register_completions()

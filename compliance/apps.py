from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from compliance import calendar_sources
        from compliance.evidence_pack import compliance_section
        from compliance.services import evidence_stale_for_new_version
        from governance import evidence_pack
        from lifecycle import calendar, gates
        from lifecycle.choices import Stage

        # A new version of a model makes the evidence bound to the version it replaces stale.
        gates.on_enter(Stage.REGISTERED, evidence_stale_for_new_version)
        calendar.register_source(calendar_sources.evidence_expiries)
        # A version's evidence pack carries the controls and evidence of its use case.
        evidence_pack.register_section("compliance", compliance_section)

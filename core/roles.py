"""Lodestar's roles and what each may do: one table, read by people and by the data migration.

Roles are Django groups. Code never checks a group's name, only the permissions it grants.
"""

from dataclasses import dataclass

SIGN_OFF_FUNCTION_CODES = ("validation", "risk", "compliance", "legal", "security", "ethics", "business")

_SEE_PORTFOLIO = ("portfolio.view_businessunit", "portfolio.view_usecase", "governance.view_signofffunction")


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    description: str
    permissions: tuple[str, ...]


ROLES: tuple[Role, ...] = (
    Role(
        "program_manager",
        "Program manager",
        "Takes in use cases, scores, ranks and plans them, runs portfolio reviews, tracks KPIs and benefits.",
        (
            *_SEE_PORTFOLIO,
            "portfolio.add_usecase",
            "portfolio.change_usecase",
            "portfolio.add_score",
            "portfolio.add_objective",
            "portfolio.change_objective",
            "portfolio.add_kpi",
            "portfolio.change_kpi",
            "portfolio.add_kpimeasurement",
            "portfolio.add_team",
            "portfolio.change_team",
            "portfolio.add_personskill",
            "portfolio.add_skill",
            "portfolio.add_assumption",
            "portfolio.change_assumption",
            "portfolio.add_portfolioreview",
            "portfolio.change_portfolioreview",
            "portfolio.add_wave",
            "portfolio.change_wave",
            "portfolio.add_agreement",
            "portfolio.change_agreement",
            "portfolio.add_capability",
            "portfolio.change_capability",
            "governance.add_riskassessment",
            "monitoring.manage_budget",
            "compliance.add_evidence",
            "dashboards.view_program",
        ),
    ),
    Role(
        "data_scientist",
        "Data scientist",
        "Registers models and versions, fills model cards, submits versions for review, answers alerts.",
        (
            *_SEE_PORTFOLIO,
            "lifecycle.add_aimodel",
            "lifecycle.change_aimodel",
            "lifecycle.register_model",
            "lifecycle.add_modelversion",
            "lifecycle.add_deployment",
            "lifecycle.add_dataset",
            "lifecycle.change_dataset",
            "governance.add_riskassessment",
            "compliance.add_evidence",
            "sourcing.manage_evaluation",
            "monitoring.add_alertrule",
            "monitoring.change_alert",
            "monitoring.add_retrainingrequest",
            "monitoring.change_retrainingrequest",
            "monitoring.add_retrainingschedule",
            "monitoring.add_outcome",
            "dashboards.view_data_science",
        ),
    ),
    Role(
        "review_board",
        "Review board member",
        "Signs off or rejects model versions for the sign-off functions they hold; runs impact assessments.",
        (
            *_SEE_PORTFOLIO,
            "lifecycle.approve_modelversion",
            "lifecycle.add_privacytreatment",
            "governance.add_riskassessment",
            "governance.approve_riskassessment",
            "compliance.review_evidence",
            "governance.triage_concern",
            "sourcing.manage_vendor",
            # The review board is also the architecture board: it decides evaluations and approves standards.
            "sourcing.manage_evaluation",
            "sourcing.decide_evaluation",
            "sourcing.approve_standard",
            "dashboards.view_review_board",
        ),
    ),
    Role(
        "executive",
        "Executive",
        "Reads the portfolio dashboards: KPI alignment, value, risk, cost and lifecycle, across every unit.",
        (*_SEE_PORTFOLIO, "portfolio.view_all_business_units", "audit.view_auditevent", "dashboards.view_executive"),
    ),
    Role(
        "platform_admin",
        "Platform admin",
        "Manages users, business units, roles, policies, frameworks and the MLflow connection.",
        (
            *_SEE_PORTFOLIO,
            "portfolio.view_all_business_units",
            "portfolio.manage_all_business_units",
            "core.manage_apitokens",
            "monitoring.add_exchangerate",
            "portfolio.add_businessunit",
            "portfolio.change_businessunit",
            "portfolio.add_scoringcriterion",
            "portfolio.add_team",
            "portfolio.change_team",
            "portfolio.change_scoringcriterion",
            "portfolio.add_capability",
            "portfolio.change_capability",
            "portfolio.view_membership",
            "portfolio.add_membership",
            "portfolio.change_membership",
            "portfolio.delete_membership",
            "audit.view_auditevent",
            "audit.verify_auditevent",
            "audit.view_legalhold",
            "audit.manage_legalhold",
            "audit.view_purgerun",
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
            "auth.view_group",
            "auth.change_group",
            "identity.view_claimmapping",
            "identity.add_claimmapping",
            "identity.change_claimmapping",
            "identity.delete_claimmapping",
            "django_celery_beat.view_periodictask",
            "django_celery_beat.change_periodictask",
            "lifecycle.add_freezewindow",
            # The admin lists the inventory read-only (its services are the only writers).
            *(
                f"lifecycle.view_{name}"
                for name in (
                    "aimodel",
                    "modelversion",
                    "stagetransition",
                    "deployment",
                    "freezewindow",
                    "dataset",
                    "decommissionplan",
                    "incident",
                    "mlflowproposal",
                )
            ),
            "governance.change_reviewpolicy",
            "governance.add_trainingrecord",
            "compliance.import_framework",
            "sourcing.manage_vendor",
            "sourcing.manage_evaluation",
            "monitoring.add_alertrule",
            "monitoring.change_alertrule",
            "monitoring.change_alert",
            "monitoring.manage_budget",
            "monitoring.add_retrainingrequest",
            "monitoring.change_retrainingrequest",
            "monitoring.add_retrainingschedule",
            "monitoring.add_outcome",
            "monitoring.manage_webhook",
            "monitoring.view_webhookendpoint",
            "monitoring.view_webhookdelivery",
            "dashboards.view_administration",
        ),
    ),
    Role(
        "emergency_approver",
        "Emergency release approver",
        "Holds the emergency function: with a second holder, approves a release to production without the full "
        "review; every such release opens a post-implementation review.",
        (*_SEE_PORTFOLIO, "governance.approve_emergency_release"),
    ),
    Role(
        "exception_authority",
        "Exception authority",
        "Grants time-boxed exceptions that let a version be approved despite an open high-severity finding.",
        (*_SEE_PORTFOLIO, "governance.grant_findingexception"),
    ),
    *(
        Role(
            f"sign_off_{code}",
            f"Sign-off: {code.capitalize()}",
            f"Holds the {code} sign-off function on review boards.",
            # A signer decides on reviews, so lifecycle lets them reject the version their review rejects.
            (
                f"governance.sign_{code}",
                "lifecycle.approve_modelversion",
                # Compliance signers also accept or reject the evidence of controls, run external audits and
                # place or release legal holds on records.
                *(
                    (
                        "compliance.review_evidence",
                        "compliance.manage_externalaudit",
                        "audit.view_legalhold",
                        "audit.manage_legalhold",
                        "audit.view_purgerun",
                    )
                    if code == "compliance"
                    else ()
                ),
            ),
        )
        for code in SIGN_OFF_FUNCTION_CODES
    ),
)

ROLE_BY_KEY = {role.key: role for role in ROLES}


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create or update one group per role with exactly the permissions of the table (data migrations)."""
    from django.contrib.auth.management import create_permissions

    # Django creates permissions only after all migrations ran; a fresh database needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        wanted = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".", 1)
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            # An early role migration may run before the migration that creates a newer model; the later
            # role migration (which depends on it) adds the permission. tests/core/test_roles.py checks the end.
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)

"""The database refuses to delete governed records (RELIABILITY T20): they are retired and kept."""

from django.db import migrations

from audit.db import install_governed_guards, remove_governed_guards

# Every table of governed documentation, across the apps that own them (this is the highest of those apps).
GOVERNED_TABLES = [
    "portfolio_usecase",
    "portfolio_usecasetransition",
    "lifecycle_aimodel",
    "lifecycle_modelversion",
    "lifecycle_stagetransition",
    "lifecycle_decommissionplan",
    "lifecycle_decommissionapproval",
    "governance_riskassessment",
    "governance_review",
    "governance_signoff",
    "governance_biasassessment",
    "governance_modelcard",
    "governance_evidence",
]


def forwards(apps, schema_editor):
    install_governed_guards(schema_editor, GOVERNED_TABLES)


def backwards(apps, schema_editor):
    remove_governed_guards(schema_editor, GOVERNED_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0013_evaluations_audits"),
        ("lifecycle", "0009_decommission_function_approvals"),
        ("portfolio", "0009_stop_loss_periods"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]

"""RELIABILITY T12: sign-offs and emergency releases carry lifecycle's digest of the version, and PostgreSQL
refuses at commit a version in production without a complete approval set for its digest (governance/db.py)."""

from django.db import migrations, models

from governance.db import install_gate, remove_gate

# Lifecycle's digest is fixed when a version is registered (no service changes it), so the digest a version
# has today is the one every earlier signature and emergency release of it was made on.
BACKFILL = [
    """UPDATE governance_signoff SET artefact_digest = (
        SELECT v.digest FROM governance_review r JOIN lifecycle_modelversion v ON v.id = r.version_id
        WHERE r.id = governance_signoff.review_id)""",
    """UPDATE governance_emergencyrelease SET artefact_digest = (
        SELECT v.digest FROM lifecycle_modelversion v WHERE v.id = governance_emergencyrelease.version_id)""",
]


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0014_governed_records_not_deleted"),
        ("lifecycle", "0009_decommission_function_approvals"),
    ]

    operations = [
        migrations.AddField(
            model_name="emergencyrelease",
            name="artefact_digest",
            field=models.CharField(
                blank=True, help_text="Lifecycle's digest of the version (its `digest`) when requested.", max_length=64
            ),
        ),
        migrations.AddField(
            model_name="signoff",
            name="artefact_digest",
            field=models.CharField(
                blank=True, help_text="Lifecycle's digest of the version (its `digest`) when signed.", max_length=64
            ),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(install_gate, remove_gate),
    ]

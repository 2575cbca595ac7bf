"""The role table names the permissions of frameworks, evidence, audits, vendors, evaluations and standards
under their new apps (compliance, sourcing): a fresh database creates them there only now."""

from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0026_roles_exchange_rates"),
        ("compliance", "0001_models_from_governance"),
        ("sourcing", "0001_models_from_governance"),
    ]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

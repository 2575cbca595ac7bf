from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0008_roles_deployments"), ("governance", "0004_seed_questionnaire_and_policies")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

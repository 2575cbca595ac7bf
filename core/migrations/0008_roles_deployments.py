from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0007_roles_lifecycle"), ("lifecycle", "0002_deployments_freezes_incidents")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

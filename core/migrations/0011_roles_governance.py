from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0010_roles_lifecycle_admin"), ("governance", "0005_findings_and_exceptions")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0015_roles_health"), ("governance", "0010_vendors")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

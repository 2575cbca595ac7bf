from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0013_roles_cost"), ("governance", "0007_seed_frameworks_and_controls")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

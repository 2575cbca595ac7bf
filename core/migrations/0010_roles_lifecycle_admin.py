from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0009_roles_datasets"), ("lifecycle", "0007_promotion_gates")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

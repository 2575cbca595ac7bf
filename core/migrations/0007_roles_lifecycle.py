from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0006_roles_skills"), ("lifecycle", "0001_initial")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

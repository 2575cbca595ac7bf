from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0011_roles_governance"), ("monitoring", "0002_catalogue_and_schedules")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0014_roles_compliance"), ("monitoring", "0005_health_and_retraining_schedules")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

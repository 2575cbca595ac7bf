from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0012_roles_monitoring"), ("monitoring", "0004_health_and_retraining_schedules")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

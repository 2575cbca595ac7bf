from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0018_roles_emergency"), ("governance", "0013_evaluations_audits")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

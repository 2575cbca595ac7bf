from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0002_default_schedules"), ("portfolio", "0003_seed_scoring_criteria")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0025_roles_program_managers_edit_teams"), ("monitoring", "0011_exchange_rates")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

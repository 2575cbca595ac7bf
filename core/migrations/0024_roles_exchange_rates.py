from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0023_roles_api_tokens"), ("monitoring", "0011_exchange_rates")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

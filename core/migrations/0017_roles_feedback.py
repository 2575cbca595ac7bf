from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0016_roles_concerns"), ("monitoring", "0007_webhooks")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

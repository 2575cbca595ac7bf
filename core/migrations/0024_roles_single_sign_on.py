from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    """Platform admins edit the single sign-on claims table."""

    dependencies = [("core", "0023_roles_api_tokens"), ("identity", "0001_single_sign_on")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

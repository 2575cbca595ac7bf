from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    """Program managers edit the teams they plan with (portfolio.change_team), as platform admins do."""

    dependencies = [("core", "0024_roles_single_sign_on")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

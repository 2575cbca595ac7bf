from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    """Program managers edit the teams they plan with (portfolio.change_team), as platform admins do."""

    dependencies = [("core", "0023_roles_api_tokens")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

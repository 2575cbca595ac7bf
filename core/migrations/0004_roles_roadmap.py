from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0003_roles_portfolio_strategy"), ("portfolio", "0005_roadmap")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

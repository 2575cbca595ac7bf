from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0004_roles_roadmap"), ("portfolio", "0006_raci_assumptions_reviews_budget")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

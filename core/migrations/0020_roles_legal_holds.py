from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0019_roles_evaluations_audits"), ("audit", "0004_legal_holds_and_purge_runs")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

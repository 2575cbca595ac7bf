from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    """Platform admins may run the audit trail's verification from the audit page."""

    dependencies = [("core", "0020_roles_legal_holds"), ("audit", "0006_verify_permission")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

from django.db import migrations

from audit.schedules import install_schedules


class Migration(migrations.Migration):
    """Installs the quarter-hourly check that the external checkpoints are not behind."""

    dependencies = [("audit", "0006_verify_permission")]
    operations = [migrations.RunPython(install_schedules, migrations.RunPython.noop)]

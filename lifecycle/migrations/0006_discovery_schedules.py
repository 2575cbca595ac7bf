from django.db import migrations

from lifecycle.schedules import install_schedules


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0005_mlflow_proposals"), ("core", "0002_default_schedules")]
    operations = [migrations.RunPython(install_schedules, migrations.RunPython.noop)]

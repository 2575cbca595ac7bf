from django.db import migrations

from monitoring.schedules import install_schedules


class Migration(migrations.Migration):
    """The health check and retraining schedules join monitoring's beat schedules (existing rows are kept)."""

    dependencies = [
        ("monitoring", "0004_health_and_retraining"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install_schedules, migrations.RunPython.noop)]

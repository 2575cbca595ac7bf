from django.db import migrations

from monitoring.catalogue import install_catalogue
from monitoring.schedules import install_schedules


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [
        migrations.RunPython(install_catalogue, migrations.RunPython.noop),
        migrations.RunPython(install_schedules, migrations.RunPython.noop),
    ]

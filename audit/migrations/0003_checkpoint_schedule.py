from django.db import migrations

from audit.schedules import install_schedules


class Migration(migrations.Migration):
    """Installs the five-minute checkpoint of the chain (and any default schedule still missing)."""

    dependencies = [("audit", "0002_append_only_guards"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(install_schedules, migrations.RunPython.noop)]

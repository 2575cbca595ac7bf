from django.db import migrations

from core.schedules import install_schedules


class Migration(migrations.Migration):
    dependencies = [("core", "0001_role_groups"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(install_schedules, migrations.RunPython.noop)]

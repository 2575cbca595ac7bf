from django.db import migrations

from audit.schedules import install_schedules


class Migration(migrations.Migration):
    """Schedules the daily purge of operational logs past their retention."""

    dependencies = [
        ("audit", "0004_legal_holds_and_purge_runs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(install_schedules, migrations.RunPython.noop)]

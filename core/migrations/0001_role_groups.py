"""Seed one group per role from core/roles.py. Later migrations call sync_role_groups again when the table grows."""

from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0002_append_only_guards"),
        ("portfolio", "0001_initial"),
        ("governance", "0002_seed_sign_off_functions"),
        ("dashboards", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("core", "0005_roles_reviews"), ("portfolio", "0007_delivery_benefits_skills")]
    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]

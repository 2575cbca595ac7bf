from django.db import migrations

from governance.models import SIGN_OFF_FUNCTIONS


def seed(apps, schema_editor):
    SignOffFunction = apps.get_model("governance", "SignOffFunction")
    for code, name, description in SIGN_OFF_FUNCTIONS:
        SignOffFunction.objects.update_or_create(code=code, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

from django.db import migrations

from audit.db import install_guards, remove_guards


def forwards(apps, schema_editor):
    install_guards(schema_editor)


def backwards(apps, schema_editor):
    remove_guards(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

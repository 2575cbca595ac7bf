from django.db import migrations

from core.roles import sync_role_groups


def forget_plain_keys(apps, schema_editor):
    """DRF's tokens were kept in clear and no longer authenticate: their keys go (the table, if any, stays)."""
    if "authtoken_token" in schema_editor.connection.introspection.table_names():
        schema_editor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("core", "0022_api_tokens_and_feed_keys")]
    operations = [
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
        migrations.RunPython(forget_plain_keys, migrations.RunPython.noop),
    ]

"""The table behind the shared cache (settings.CACHES["shared"]), so `tandem migrate` makes it."""

from django.db import migrations

from tandem.core.shared_cache import TABLE


def create(apps, schema_editor):
    from django.core.management import call_command

    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_sign_in_security")]

    operations = [migrations.RunPython(create, drop)]

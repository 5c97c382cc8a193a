"""The table of the "api-throttle" cache (config/settings.py CACHES): the API's call counters.

`createcachetable` skips a table that exists, so this may be run again; going
back leaves the table (it only holds counters that expire within minutes).
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", "api-throttle", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("api", "0001_api_tokens")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]

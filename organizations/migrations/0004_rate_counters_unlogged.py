"""Rate counters are written on every API request: an UNLOGGED table makes each write one
statement whose commit does not wait for the disk. PostgreSQL empties such a table after a
crash, which only forgets the current windows (a few extra requests, no data lost); it is
not copied to replicas, which never take API writes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0003_api_key_ids_and_peppered_hashes"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE organizations_apiratecounter SET UNLOGGED",
            reverse_sql="ALTER TABLE organizations_apiratecounter SET LOGGED",
        ),
    ]

"""Keys made with full access hold every scope there was; the key page promises them the
scopes added later too, so they get members:read."""

from django.db import migrations

# Every scope before members:read, in the order keys store them.
EARLIER = [
    "posts:read",
    "posts:write",
    "media:read",
    "media:write",
    "channels:read",
    "channels:write",
    "analytics:read",
    "webhooks:manage",
]


def grant_members_read(apps, schema_editor):
    ApiKey = apps.get_model("organizations", "ApiKey")
    for key in ApiKey.objects.all().only("pk", "scopes"):
        if set(EARLIER) <= set(key.scopes or []) and "members:read" not in key.scopes:
            ApiKey.objects.filter(pk=key.pk).update(scopes=[*key.scopes, "members:read"])


class Migration(migrations.Migration):
    dependencies = [("organizations", "0007_membership_public_ids")]

    operations = [migrations.RunPython(grant_members_read, migrations.RunPython.noop)]

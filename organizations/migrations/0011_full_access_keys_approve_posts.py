"""Keys made with full access hold every scope there was; the key page promises them the
scopes added later too, so they get posts:approve."""

from django.db import migrations

# Every scope before posts:approve, in the order keys store them.
EARLIER = [
    "posts:read",
    "posts:write",
    "media:read",
    "media:write",
    "channels:read",
    "channels:write",
    "analytics:read",
    "webhooks:manage",
    "members:read",
]


def grant_posts_approve(apps, schema_editor):
    ApiKey = apps.get_model("organizations", "ApiKey")
    for key in ApiKey.objects.all().only("pk", "scopes"):
        if set(EARLIER) <= set(key.scopes or []) and "posts:approve" not in key.scopes:
            ApiKey.objects.filter(pk=key.pk).update(scopes=[*key.scopes, "posts:approve"])


class Migration(migrations.Migration):
    dependencies = [("organizations", "0010_approval_settings")]

    operations = [migrations.RunPython(grant_posts_approve, migrations.RunPython.noop)]

# The calendar's and failures page's counts and lists read partial indexes instead of
# scanning every post of the organization (bench/calendar.py). Built concurrently, so a
# large posts table keeps taking writes while they are made.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("posts", "0003_public_ids"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="post",
            index=models.Index(
                condition=models.Q(("state", "scheduled")),
                fields=["organization", "publish_at"],
                name="posts_org_scheduled",
            ),
        ),
        AddIndexConcurrently(
            model_name="post",
            index=models.Index(
                models.F("organization"),
                models.OrderBy(models.F("publish_at"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("state__in", ["failed", "unconfirmed", "missed"])),
                name="posts_org_attention",
            ),
        ),
        AddIndexConcurrently(
            model_name="postgroup",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", False)),
                fields=["id"],
                name="posts_group_deleted",
            ),
        ),
    ]

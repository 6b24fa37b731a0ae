import django.db.models.functions.comparison
from django.db import migrations, models

import posts.models


def fill_item_keys(apps, schema_editor):
    PostItem = apps.get_model("posts", "PostItem")
    while True:
        batch = list(PostItem.objects.filter(key__isnull=True).only("pk")[:2000])
        if not batch:
            return
        for item in batch:
            item.key = posts.models.new_item_key()
        PostItem.objects.bulk_update(batch, ["key"])


def hand_back_times(apps, schema_editor):
    # Posts waiting for a retry had their requested time overwritten by it: the retry
    # time is the engine's now, and the requested time is lost for them.
    Post = apps.get_model("posts", "Post")
    Post.objects.filter(state="scheduled", attempts__gt=0).update(retry_at=models.F("publish_at"))


class Migration(migrations.Migration):
    dependencies = [("posts", "0005_tag_timestamps")]

    operations = [
        migrations.AddField(
            model_name="post",
            name="retry_at",
            field=models.DateTimeField(
                blank=True, help_text="When the next attempt is due (UTC), if one is.", null=True
            ),
        ),
        migrations.RunPython(hand_back_times, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="post", name="posts_due"),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("retry_at", "publish_at"),
                condition=models.Q(("state", "scheduled")),
                name="posts_due_at",
            ),
        ),
        migrations.AddField(
            model_name="postitem",
            name="key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_item_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="postitem",
            name="key",
            field=models.UUIDField(default=posts.models.new_item_key, editable=False, unique=True),
        ),
    ]

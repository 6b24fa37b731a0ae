import datetime

from django.db import migrations, models

# Posts given a date outside 2000-2099 before the composer and the APIs refused one: such a
# date (the year 10000 in UTC, for one) cannot even be read back, so every page showing the
# post failed. They become drafts without a date, saying why; nothing of theirs is lost.
UNDATE_FAR_POSTS = """
    UPDATE posts_post
    SET state = CASE WHEN state IN ('scheduled', 'missed') THEN 'draft' ELSE state END,
        publish_at = NULL,
        retry_at = NULL,
        error_message = 'This post had a date outside 2000-2099, which cannot be kept. '
            || 'Pick a new date and schedule it again.'
    WHERE publish_at < '2000-01-01T00:00:00Z' OR publish_at >= '2100-01-01T00:00:00Z'
"""


class Migration(migrations.Migration):

    dependencies = [("posts", "0006_item_keys_and_retry_times")]

    operations = [
        migrations.RunSQL(UNDATE_FAR_POSTS, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="post",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("publish_at__isnull", True),
                    models.Q(
                        ("publish_at__gte", datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
                        ("publish_at__lt", datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)),
                    ),
                    _connector="OR",
                ),
                name="posts_post_publish_at_in_range",
            ),
        ),
    ]

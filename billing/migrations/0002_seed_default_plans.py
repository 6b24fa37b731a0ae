from django.db import migrations

# Channels 0/5/10/30/100; team members from Team up; the API from Standard up.
# Empty (None) means no limit. Stripe Price ids are filled in the admin.
PLANS = [
    # slug, name, channels, members, posts/month, webhooks, rss feeds, api
    ("free", "Free", 0, 1, 0, 0, 0, False),
    ("standard", "Standard", 5, 1, 400, 2, 0, True),
    ("team", "Team", 10, None, None, 10, 10, True),
    ("pro", "Pro", 30, None, None, 30, 30, True),
    ("ultimate", "Ultimate", 100, None, None, None, None, True),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for position, (slug, name, channels, members, posts, webhooks, rss, api) in enumerate(PLANS):
        Plan.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "position": position,
                "is_free": slug == "free",
                "trial_days": 0 if slug == "free" else 7,
                "channels": channels,
                "members": members,
                "posts_per_month": posts,
                "webhooks": webhooks,
                "rss_feeds": rss,
                "api_access": api,
            },
        )


def unseed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Plan.objects.filter(slug__in=[p[0] for p in PLANS], subscriptions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_plans_subscriptions_stripe")]

    operations = [migrations.RunPython(seed, unseed)]

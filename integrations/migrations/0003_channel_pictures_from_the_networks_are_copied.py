"""Channel pictures are copies kept here (integrations.pictures): the networks' addresses
saved until now move to meta["avatar_source"], from where the picture job copies them, and
pages stop loading them from the networks' servers at once (initials meanwhile)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    for channel in Integration.objects.exclude(avatar_url="").only("pk", "avatar_url", "meta"):
        if "/integrations/pictures/" in channel.avatar_url:
            continue  # already a copy of ours
        meta = dict(channel.meta or {})
        meta.setdefault("avatar_source", channel.avatar_url)
        Integration.objects.filter(pk=channel.pk).update(meta=meta, avatar_url="")


def backwards(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    for channel in Integration.objects.filter(meta__has_key="avatar_source"):
        if not channel.avatar_url:
            Integration.objects.filter(pk=channel.pk).update(
                avatar_url=channel.meta["avatar_source"]
            )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_public_ids")]

    operations = [migrations.RunPython(forwards, backwards)]

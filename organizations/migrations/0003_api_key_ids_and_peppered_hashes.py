"""API keys gain a key id (``ptz_<key id>_<secret>``, found by the id) and are stored as
HMAC-SHA256 under the server's pepper. Keys made before keep working: they have no key id,
and their stored SHA-256 is re-keyed under the pepper, so the database holds no unkeyed
hash of any key."""

from django.db import migrations, models


def rekey_legacy_keys(apps, schema_editor):
    # The running code's digest, on purpose: the rows must match what authentication
    # computes for these keys (organizations.services.api_key_legacy_digest).
    from organizations.services import api_key_digest

    ApiKey = apps.get_model("organizations", "ApiKey")
    for key in ApiKey.objects.filter(key_id__isnull=True).only("pk", "key_hash"):
        ApiKey.objects.filter(pk=key.pk).update(key_hash=api_key_digest(key.key_hash))


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0002_api_keys_idempotency_rate_counters"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="key_id",
            field=models.CharField(blank=True, max_length=16, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="apikey",
            name="prefix",
            field=models.CharField(max_length=24),
        ),
        # Irreversible: a keyed hash cannot be turned back into the plain one the earlier
        # code looked for, so going back would silently break every key.
        migrations.RunPython(rekey_legacy_keys, elidable=False),
    ]

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    for pk in Organization.objects.filter(public_id__isnull=True).values_list("pk", flat=True):
        Organization.objects.filter(pk=pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("organizations", "0005_events_outbox")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organization",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]

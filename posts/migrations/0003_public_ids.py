import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    for name in ['Tag', 'PostGroup', 'Post']:
        model = apps.get_model('posts', name)
        for pk in model.objects.filter(public_id__isnull=True).values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(public_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [('posts', '0002_composer_notifications_webhooks')]

    operations = [
        migrations.AddField(model_name='tag', name="public_id", field=models.UUIDField(null=True, editable=False)),
        migrations.AddField(model_name='postgroup', name="public_id", field=models.UUIDField(null=True, editable=False)),
        migrations.AddField(model_name='post', name="public_id", field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(model_name='tag', name="public_id", field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField(model_name='postgroup', name="public_id", field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
        migrations.AlterField(model_name='post', name="public_id", field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
    ]

"""Keys made before keys recorded their member are bound to the membership of the person
who made them (when they are still a member), so such a key follows that member's customer
limitation like a key made today. Keys of former members or of the command stay unbound."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def bind(apps, schema_editor):
    ApiKey = apps.get_model("organizations", "ApiKey")
    Membership = apps.get_model("organizations", "Membership")
    creator = Membership.objects.filter(
        organization_id=OuterRef("organization_id"), user_id=OuterRef("created_by_id")
    ).values("pk")[:1]
    ApiKey.objects.filter(membership__isnull=True, created_by__isnull=False).update(
        membership=Subquery(creator)
    )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0012_approvals_and_customer_access")]

    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]

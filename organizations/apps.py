from django.apps import AppConfig
from django.db.models.signals import pre_delete


def _revoke_limited_keys(sender, instance, **kwargs):
    # However a membership goes (a removal, the account's deletion, the admin), a limited
    # member's keys must not outlive what limits them.
    from organizations.services import api_keys_revoke_for_leaving

    api_keys_revoke_for_leaving(membership=instance)


class OrganizationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "organizations"
    verbose_name = "Organizations"

    def ready(self):
        from organizations.models import Membership

        pre_delete.connect(_revoke_limited_keys, sender=Membership, dispatch_uid="limited-keys")

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PostizConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postiz"
    verbose_name = "Postiz"

    def ready(self):
        # Periodic jobs follow the code on every migrate, so a deploy cannot miss one.
        post_migrate.connect(_install_after_migrate, sender=self, dispatch_uid="postiz.schedules")


def _install_after_migrate(sender, using="default", **kwargs):
    from postiz.schedules import install_schedules

    install_schedules(using=using)

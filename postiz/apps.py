from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PostizConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "postiz"
    verbose_name = "Postiz"

    def ready(self):
        # Periodic jobs follow the code on every migrate, so a deploy cannot miss one.
        post_migrate.connect(_install_after_migrate, sender=self, dispatch_uid="postiz.schedules")
        # Each worker process (qcluster) says at start when its keys cannot read the stored
        # credentials (the web and the publisher do too: postiz.wsgi, posts.publisher.preflight).
        from django_q.signals import post_spawn

        post_spawn.connect(_check_credentials, dispatch_uid="postiz.credentials")
        from django.db.backends.signals import connection_created

        from postiz.db_types import use_fast_timestamps

        connection_created.connect(use_fast_timestamps, dispatch_uid="postiz.timestamps")


def _install_after_migrate(sender, using="default", **kwargs):
    from postiz.schedules import install_schedules

    install_schedules(using=using)


def _check_credentials(sender, proc_name=None, **kwargs):
    from postiz.health import credentials_log_soon

    credentials_log_soon("worker")

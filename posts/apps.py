from django.apps import AppConfig


class PostsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "posts"
    verbose_name = "Posts"

    def ready(self):
        from integrations.services import register_channel_deleted_handler
        from posts import services

        # Deleting a channel cancels its posts that have not gone out yet.
        register_channel_deleted_handler(
            services.posts_cancel_for_channel, count=services.posts_pending_for_channel
        )

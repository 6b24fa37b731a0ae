from django.apps import AppConfig


class PostsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "posts"
    verbose_name = "Posts"

    def ready(self):
        from billing.limits import register_usage
        from integrations.services import register_channel_deleted_handler
        from media.selectors import register_customer_uses, register_pending_uses
        from organizations import events as organization_events
        from organizations.services import register_approvals_changed_handler
        from posts import events, selectors, services
        from posts.services import approvals

        # The apps below posts ask it what they cannot know without importing it.
        register_usage("posts_per_month", selectors.posts_this_month)
        register_usage("webhooks", selectors.webhooks_count)
        from posts.feeds.selectors import feeds_count

        register_usage("rss_feeds", feeds_count)
        register_pending_uses(selectors.pending_uses_of)
        register_customer_uses(selectors.media_used_on_customers)

        # What happens to posts and channels reaches the bell, emails and webhooks.
        organization_events.register(events.handle)

        # Who must approve changed: scheduled posts follow (posts.services.approvals).
        register_approvals_changed_handler(approvals.reviews_apply_settings)

        # Deleting a channel cancels its posts that have not gone out yet.
        register_channel_deleted_handler(
            services.posts_cancel_for_channel, count=services.posts_pending_for_channel
        )

from django.contrib import admin

from posts.models import (
    Comment,
    Feed,
    FeedEntry,
    PortalLink,
    Post,
    PostGroup,
    PostItem,
    PostMetric,
    PostMetricsTrack,
    PostSet,
    PreviewLink,
    ReviewEvent,
    Signature,
    Tag,
)


class PostItemInline(admin.TabularInline):
    model = PostItem
    extra = 0
    fields = ["position", "content", "delay_minutes", "remote_id", "published_at"]
    readonly_fields = ["remote_id", "published_at"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "organization",
        "integration",
        "state",
        "review_state",
        "publish_at",
        "published_at",
    ]
    list_filter = ["state", "review_state", "integration__provider"]
    search_fields = ["items__content", "remote_id", "organization__name"]
    list_select_related = ["organization", "integration"]
    date_hierarchy = "publish_at"
    # The state changes only through the services (conditional transitions), never here.
    readonly_fields = [
        "state",
        "review_state",
        "state_changed_at",
        "remote_id",
        "remote_url",
        "published_at",
        "error_kind",
        "error_message",
        "attempts",
    ]
    raw_id_fields = ["group", "integration", "organization"]
    inlines = [PostItemInline]


@admin.register(ReviewEvent)
class ReviewEventAdmin(admin.ModelAdmin):
    """The review thread is an audit trail: read here, never written."""

    list_display = ["created_at", "organization", "group", "action", "actor", "actor_customer"]
    list_filter = ["action"]
    list_select_related = ["organization", "group", "actor", "actor_customer"]
    search_fields = ["body", "organization__name", "portal_label"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PostGroup)
class PostGroupAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "creation_method", "created_by", "created_at"]
    list_filter = ["creation_method"]
    list_select_related = ["organization", "created_by"]
    raw_id_fields = ["organization", "created_by"]
    filter_horizontal = ["tags"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color", "organization", "updated_at"]
    search_fields = ["name"]
    list_select_related = ["organization"]
    readonly_fields = ["created_at", "updated_at"]


# -- notifications and webhooks ---------------------------------------------------------
from posts.models import Notification, Webhook, WebhookDelivery  # noqa: E402


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "user", "organization", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__email", "organization__name"]
    list_select_related = ["user", "organization"]
    raw_id_fields = ["organization", "user", "post"]
    date_hierarchy = "created_at"


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    # The secret stays out of lists and forms: owners see it on the webhook's own page.
    list_display = ["name", "organization", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url", "organization__name"]
    list_select_related = ["organization"]
    exclude = ["secrets"]
    raw_id_fields = ["organization", "created_by"]
    filter_horizontal = ["integrations"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "state", "attempts", "status_code", "created_at"]
    list_filter = ["state", "event"]
    search_fields = ["event_id", "webhook__name", "webhook__url"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- signatures, sets, comments ---------------------------------------------------------
@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "is_default", "created_at"]
    list_filter = ["is_default"]
    search_fields = ["name", "content", "organization__name"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization", "created_by"]


@admin.register(PostSet)
class PostSetAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "updated_at"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization", "created_by"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "group", "author", "created_at", "deleted_at"]
    search_fields = ["body"]
    list_select_related = ["group", "author"]
    raw_id_fields = ["organization", "group", "author"]


@admin.register(PostMetric)
class PostMetricAdmin(admin.ModelAdmin):
    list_display = ["post", "metric", "day", "value", "updated_at"]
    list_filter = ["metric"]
    date_hierarchy = "day"
    raw_id_fields = ["organization", "post", "integration"]


@admin.register(PostMetricsTrack)
class PostMetricsTrackAdmin(admin.ModelAdmin):
    list_display = ["post", "integration", "published_at", "due_at", "fetched_at", "fetches"]
    raw_id_fields = ["organization", "post", "integration"]


# -- RSS feeds ------------------------------------------------------------------------------
class FeedEntryInline(admin.TabularInline):
    model = FeedEntry
    extra = 0
    can_delete = False
    fields = ["title", "link", "outcome", "note", "group", "seen_at"]
    # What an entry became is the record that keeps it from posting twice: never edited.
    readonly_fields = fields
    show_change_link = False
    max_num = 0
    ordering = ["-seen_at", "-id"]


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "url",
        "state",
        "consecutive_failures",
        "last_fetched_at",
        "next_fetch_at",
    ]
    list_filter = ["state", "mode"]
    search_fields = ["name", "url", "organization__name"]
    list_select_related = ["organization"]
    raw_id_fields = ["organization", "customer", "created_by"]
    filter_horizontal = ["integrations"]
    # Read state belongs to the worker: changing it here would fight a read under way.
    readonly_fields = [
        "etag",
        "last_modified",
        "primed_at",
        "fetching_until",
        "fetch_requested_at",
        "last_fetched_at",
        "last_success_at",
        "last_result",
        "last_error",
        "consecutive_failures",
        "paused_at",
        "created_at",
        "updated_at",
    ]
    inlines = [FeedEntryInline]


# Short links' admin lives beside them.
from posts.links import admin as _links_admin  # noqa: E402, F401


# -- Preview and client portal links: read-only here; made and revoked by the team's pages.
@admin.register(PreviewLink)
class PreviewLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "group", "hint", "allow_comments", "expires_at"]
    list_filter = ["allow_comments"]
    list_select_related = ["organization", "group"]
    raw_id_fields = ["organization", "group", "created_by"]
    # Only the digest is stored; there is nothing here that opens the link.
    readonly_fields = ["token_hash", "hint", "created_at", "last_used_at"]


@admin.register(PortalLink)
class PortalLinkAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "customer", "label", "hint", "expires_at", "revoked_at"]
    list_select_related = ["organization", "customer"]
    search_fields = ["label", "customer__name"]
    raw_id_fields = ["organization", "customer", "created_by"]
    readonly_fields = ["token_hash", "hint", "created_at", "last_used_at"]


# Plugs' admin lives beside them.
from posts.plugs import admin as _plugs_admin  # noqa: E402, F401

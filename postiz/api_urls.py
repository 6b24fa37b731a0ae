"""Routes under /api/v1: the session-authenticated organization views, the native API
(``postiz.native_api``, key-authenticated) and its OpenAPI document and docs page.

Paths have no trailing slash and match with one too, never redirected."""

from django.urls import path, re_path

from postiz import api_docs
from postiz.native_api import views as v


def _route(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view.as_view(), name=name)


_ID = r"(?P<public_id>[^/]+)"
_COMMENT = r"(?P<comment_id>[^/]+)"
_PLUG = r"(?P<plug_id>[^/]+)"

urlpatterns = [
    path("organizations", v.OrganizationList.as_view(), name="api_organizations"),
    path("o/<slug:org_slug>/members", v.MemberList.as_view(), name="api_members"),
    path("openapi.json", api_docs.openapi_json, name="native_openapi"),
    path("docs", api_docs.docs, name="native_docs"),
    # -- Native API
    _route("me", v.Me, "native_me"),
    _route("channels", v.Channels, "native_channels"),
    _route(f"channels/{_ID}", v.ChannelDetail, "native_channel"),
    _route(f"channels/{_ID}/next-slot", v.ChannelNextSlot, "native_channel_next_slot"),
    _route(f"channels/{_ID}/settings-schema", v.ChannelSettingsSchema, "native_channel_schema"),
    _route(f"channels/{_ID}/tools/(?P<name>[^/]+)", v.ChannelTool, "native_channel_tool"),
    _route(f"channels/{_ID}/preferences", v.ChannelPreferences, "native_channel_preferences"),
    _route(f"channels/{_ID}/plugs", v.ChannelPlugs, "native_channel_plugs"),
    _route(f"channels/{_ID}/plugs/{_PLUG}", v.ChannelPlugDetail, "native_channel_plug"),
    _route(f"channels/{_ID}/disable", v.ChannelDisable, "native_channel_disable"),
    _route(f"channels/{_ID}/enable", v.ChannelEnable, "native_channel_enable"),
    _route("customers", v.Customers, "native_customers"),
    _route(f"customers/{_ID}", v.CustomerDetail, "native_customer"),
    _route("groups", v.Groups, "native_groups"),
    _route(f"groups/{_ID}", v.GroupDetail, "native_group"),
    _route("posts", v.Posts, "native_posts"),
    _route("posts/export", v.PostsExport, "native_posts_export"),
    _route(f"posts/{_ID}", v.PostDetail, "native_post"),
    _route(f"posts/{_ID}/comments", v.PostComments, "native_post_comments"),
    _route(f"posts/{_ID}/review/submit", v.PostReviewSubmit, "native_post_review_submit"),
    _route(f"posts/{_ID}/review/approve", v.PostReviewApprove, "native_post_review_approve"),
    _route(
        f"posts/{_ID}/review/request-changes",
        v.PostReviewRequestChanges,
        "native_post_review_request_changes",
    ),
    _route(f"posts/{_ID}/review/reject", v.PostReviewReject, "native_post_review_reject"),
    _route(f"posts/{_ID}/review/comments", v.PostReviewThread, "native_post_review_comments"),
    _route(f"posts/{_ID}/links", v.PostLinks, "native_post_links"),
    _route(f"posts/{_ID}/comments/{_COMMENT}", v.PostCommentDetail, "native_post_comment"),
    _route("media", v.Media, "native_media"),
    _route("media/import", v.MediaImport, "native_media_import"),
    _route(f"media/{_ID}", v.MediaDetail, "native_media_detail"),
    _route("imports", v.Imports, "native_imports"),
    _route(f"imports/{_ID}", v.ImportDetail, "native_import"),
    _route(f"imports/{_ID}/rows", v.ImportRows, "native_import_rows"),
    _route(f"imports/{_ID}/confirm", v.ImportConfirm, "native_import_confirm"),
    _route("tags", v.Tags, "native_tags"),
    _route(f"tags/{_ID}", v.TagDetail, "native_tag"),
    _route("signatures", v.Signatures, "native_signatures"),
    _route(f"signatures/{_ID}", v.SignatureDetail, "native_signature"),
    _route("sets", v.Sets, "native_sets"),
    _route(f"sets/{_ID}", v.SetDetail, "native_set"),
    _route("members", v.Members, "native_members"),
    _route(f"members/{_ID}", v.MemberDetail, "native_member"),
    _route("webhooks", v.Webhooks, "native_webhooks"),
    _route(f"webhooks/{_ID}", v.WebhookDetail, "native_webhook"),
    _route(f"webhooks/{_ID}/rotate-secret", v.WebhookRotateSecret, "native_webhook_rotate"),
    _route(f"webhooks/{_ID}/test", v.WebhookTest, "native_webhook_test"),
    _route(f"webhooks/{_ID}/deliveries", v.WebhookDeliveries, "native_webhook_deliveries"),
    _route("feeds", v.Feeds, "native_feeds"),
    _route(f"feeds/{_ID}", v.FeedDetail, "native_feed"),
    _route(f"feeds/{_ID}/fetch", v.FeedFetch, "native_feed_fetch"),
    _route(f"feeds/{_ID}/resume", v.FeedResume, "native_feed_resume"),
    _route("notifications", v.Notifications, "native_notifications"),
    _route(f"analytics/channels/{_ID}", v.ChannelAnalytics, "native_channel_analytics"),
    _route(f"analytics/posts/{_ID}", v.PostAnalytics, "native_post_analytics"),
    _route(f"analytics/posts/{_ID}/refresh", v.PostAnalyticsRefresh, "native_post_refresh"),
]

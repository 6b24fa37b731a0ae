"""One view class per native resource; each method is a thin adapter over a service."""

from postiz.native_api.views.activity import (
    ChannelAnalytics,
    Notifications,
    PostAnalytics,
    PostAnalyticsRefresh,
)
from postiz.native_api.views.channel_edits import (
    ChannelDisable,
    ChannelEnable,
    ChannelPreferences,
)
from postiz.native_api.views.channels import (
    ChannelDetail,
    ChannelNextSlot,
    Channels,
    ChannelSettingsSchema,
    ChannelTool,
    Me,
)
from postiz.native_api.views.comments import PostCommentDetail, PostComments
from postiz.native_api.views.customers import CustomerDetail, Customers
from postiz.native_api.views.feeds import FeedDetail, FeedFetch, FeedResume, Feeds
from postiz.native_api.views.imports import (
    ImportConfirm,
    ImportDetail,
    ImportRows,
    Imports,
    PostsExport,
)
from postiz.native_api.views.links import PostLinks
from postiz.native_api.views.media import (
    Media,
    MediaDetail,
    MediaImport,
)
from postiz.native_api.views.members import MemberDetail, Members
from postiz.native_api.views.organizations import MemberList, OrganizationList
from postiz.native_api.views.plugs import ChannelPlugDetail, ChannelPlugs
from postiz.native_api.views.posts import (
    GroupDetail,
    Groups,
    PostDetail,
    Posts,
)
from postiz.native_api.views.reviews import (
    PostReviewApprove,
    PostReviewReject,
    PostReviewRequestChanges,
    PostReviewSubmit,
    PostReviewThread,
)
from postiz.native_api.views.sets import SetDetail, Sets
from postiz.native_api.views.signatures import SignatureDetail, Signatures
from postiz.native_api.views.tags import (
    TagDetail,
    Tags,
)
from postiz.native_api.views.webhooks import (
    WebhookDeliveries,
    WebhookDetail,
    WebhookRotateSecret,
    Webhooks,
    WebhookTest,
)

__all__ = [
    "ChannelAnalytics",
    "ChannelDetail",
    "ChannelDisable",
    "ChannelEnable",
    "ChannelNextSlot",
    "ChannelPlugDetail",
    "ChannelPlugs",
    "ChannelPreferences",
    "ChannelSettingsSchema",
    "ChannelTool",
    "Channels",
    "CustomerDetail",
    "Customers",
    "FeedDetail",
    "FeedFetch",
    "FeedResume",
    "Feeds",
    "GroupDetail",
    "Groups",
    "ImportConfirm",
    "ImportDetail",
    "ImportRows",
    "Imports",
    "Me",
    "Media",
    "MediaDetail",
    "MediaImport",
    "MemberDetail",
    "MemberList",
    "Members",
    "Notifications",
    "OrganizationList",
    "PostAnalytics",
    "PostAnalyticsRefresh",
    "PostCommentDetail",
    "PostComments",
    "PostDetail",
    "PostLinks",
    "PostReviewApprove",
    "PostReviewReject",
    "PostReviewRequestChanges",
    "PostReviewSubmit",
    "PostReviewThread",
    "Posts",
    "PostsExport",
    "SetDetail",
    "Sets",
    "SignatureDetail",
    "Signatures",
    "TagDetail",
    "Tags",
    "WebhookDeliveries",
    "WebhookDetail",
    "WebhookRotateSecret",
    "WebhookTest",
    "Webhooks",
]

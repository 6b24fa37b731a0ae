"""One view class per native resource; each method is a thin adapter over a service."""

from postiz.native_api.views.activity import (
    ChannelAnalytics,
    Notifications,
    PostAnalytics,
)
from postiz.native_api.views.channels import (
    ChannelDetail,
    ChannelNextSlot,
    Channels,
    ChannelSettingsSchema,
    ChannelTool,
    Customers,
    Me,
)
from postiz.native_api.views.media import (
    Media,
    MediaDetail,
    MediaImport,
)
from postiz.native_api.views.organizations import MemberList, OrganizationList
from postiz.native_api.views.posts import (
    GroupDetail,
    Groups,
    PostDetail,
    Posts,
)
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
    "ChannelNextSlot",
    "ChannelSettingsSchema",
    "ChannelTool",
    "Channels",
    "Customers",
    "GroupDetail",
    "Groups",
    "Me",
    "Media",
    "MediaDetail",
    "MediaImport",
    "MemberList",
    "Notifications",
    "OrganizationList",
    "PostAnalytics",
    "PostDetail",
    "Posts",
    "TagDetail",
    "Tags",
    "WebhookDeliveries",
    "WebhookDetail",
    "WebhookRotateSecret",
    "WebhookTest",
    "Webhooks",
]

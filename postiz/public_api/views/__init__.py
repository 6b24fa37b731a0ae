"""The compatible routes, one ``CompatView`` each (``postiz.public_api.urls`` maps the
paths): ``channels`` (the key check, channels, customers, connecting, settings, tools, the
next slot), ``posts``, ``media`` (uploads) and ``analytics`` (with notifications and the
video routes)."""

from postiz.public_api.views.analytics import (
    ChannelAnalytics,
    GenerateVideo,
    Notifications,
    PostAnalytics,
    VideoFunction,
)
from postiz.public_api.views.channels import (
    Customers,
    FindSlot,
    IntegrationDetail,
    Integrations,
    IntegrationSettings,
    IntegrationTrigger,
    IsConnected,
    Social,
)
from postiz.public_api.views.media import Upload, UploadFromUrl
from postiz.public_api.views.posts import (
    GroupDetail,
    PostDetail,
    PostMissing,
    PostReleaseId,
    Posts,
    PostSettings,
    PostStatus,
)

__all__ = [
    "ChannelAnalytics",
    "Customers",
    "FindSlot",
    "GenerateVideo",
    "GroupDetail",
    "IntegrationDetail",
    "IntegrationSettings",
    "IntegrationTrigger",
    "Integrations",
    "IsConnected",
    "Notifications",
    "PostAnalytics",
    "PostDetail",
    "PostMissing",
    "PostReleaseId",
    "PostSettings",
    "PostStatus",
    "Posts",
    "Social",
    "Upload",
    "UploadFromUrl",
    "VideoFunction",
]

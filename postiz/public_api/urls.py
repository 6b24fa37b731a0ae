"""Routes of the compatible surface, mounted at /public/v1 and /api/public/v1.

Each path matches with or without a trailing slash (never redirected). Literal segments
come before parameters (``posts/group/...`` before ``posts/<id>``).
"""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from postiz.public_api import views as v
from postiz.public_api.transport import route_not_found

_ID = r"(?P<public_id>[^/]+)"


def _path(pattern: str, view, name: str):
    return re_path(rf"^{pattern}/?$", view.as_view(), name=f"compat_{name}")


urlpatterns = [
    _path("is-connected", v.IsConnected, "is_connected"),
    _path("integrations", v.Integrations, "integrations"),
    _path(f"integrations/{_ID}", v.IntegrationDetail, "integration"),
    _path("groups", v.Customers, "groups"),
    _path(r"social/(?P<provider>[^/]+)", v.Social, "social"),
    _path(f"integration-settings/{_ID}", v.IntegrationSettings, "integration_settings"),
    _path(f"integration-trigger/{_ID}", v.IntegrationTrigger, "integration_trigger"),
    _path("upload", v.Upload, "upload"),
    _path("upload-from-url", v.UploadFromUrl, "upload_from_url"),
    _path(f"find-slot/{_ID}", v.FindSlot, "find_slot"),
    _path("posts", v.Posts, "posts"),
    _path(r"posts/group/(?P<group>[^/]+)", v.GroupDetail, "group"),
    _path(f"posts/{_ID}/settings", v.PostSettings, "post_settings"),
    _path(f"posts/{_ID}/status", v.PostStatus, "post_status"),
    _path(f"posts/{_ID}/missing", v.PostMissing, "post_missing"),
    _path(f"posts/{_ID}/release-id", v.PostReleaseId, "post_release_id"),
    _path(f"posts/{_ID}", v.PostDetail, "post"),
    _path(r"analytics/post/(?P<postId>[^/]+)", v.PostAnalytics, "analytics_post"),
    _path(r"analytics/(?P<integration>[^/]+)", v.ChannelAnalytics, "analytics"),
    _path("notifications", v.Notifications, "notifications"),
    _path("generate-video", v.GenerateVideo, "generate_video"),
    _path("video/function", v.VideoFunction, "video_function"),
    # Anything else under the prefix: the compatible 404, never an HTML page or a redirect.
    re_path(r"^.*$", csrf_exempt(route_not_found)),
]

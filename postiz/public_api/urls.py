"""Routes of the compatible surface, mounted at /public/v1 and /api/public/v1.

Each path matches with or without a trailing slash (never redirected). Literal segments
come before parameters (``posts/group/...`` before ``posts/<id>``).
"""

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from postiz.public_api import media, post_list, posts, views
from postiz.public_api.transport import Route, compat_view, route_not_found

_ID = r"(?P<public_id>[^/]+)"


def _path(pattern: str, routes: dict, name: str):
    return re_path(rf"^{pattern}/?$", compat_view(routes), name=f"compat_{name}")


urlpatterns = [
    _path("is-connected", {"GET": Route(views.is_connected, None, "none")}, "is_connected"),
    _path(
        "integrations",
        {"GET": Route(views.integrations_list, "channels:read", "none")},
        "integrations",
    ),
    _path(
        f"integrations/{_ID}",
        {"DELETE": Route(views.integration_remove, "channels:write", "none")},
        "integration",
    ),
    _path("groups", {"GET": Route(views.groups_list, "channels:read", "none")}, "groups"),
    _path(
        r"social/(?P<provider>[^/]+)",
        {"GET": Route(views.social_connect, "channels:write", "none")},
        "social",
    ),
    _path(
        f"integration-settings/{_ID}",
        {"GET": Route(views.integration_settings, "channels:read", "none")},
        "integration_settings",
    ),
    _path(
        f"integration-trigger/{_ID}",
        {"POST": Route(views.integration_trigger, "channels:read")},
        "integration_trigger",
    ),
    _path("upload", {"POST": Route(media.upload, "media:write", "multipart")}, "upload"),
    _path(
        "upload-from-url",
        {"POST": Route(media.upload_from_url, "media:write")},
        "upload_from_url",
    ),
    _path(f"find-slot/{_ID}", {"GET": Route(views.find_slot, "posts:read", "none")}, "find_slot"),
    _path(
        "posts",
        {
            "GET": Route(post_list.posts_list, "posts:read", "none"),
            "POST": Route(posts.posts_create, "posts:write"),
        },
        "posts",
    ),
    _path(
        r"posts/group/(?P<group>[^/]+)",
        {"DELETE": Route(posts.group_remove, "posts:write", "none")},
        "group",
    ),
    _path(
        f"posts/{_ID}/settings",
        {"PUT": Route(posts.post_settings, "posts:write")},
        "post_settings",
    ),
    _path(f"posts/{_ID}/status", {"PUT": Route(posts.post_status, "posts:write")}, "post_status"),
    _path(
        f"posts/{_ID}/missing",
        {"GET": Route(post_list.post_missing, "posts:read", "none")},
        "post_missing",
    ),
    _path(
        f"posts/{_ID}/release-id",
        {"PUT": Route(posts.post_release_id, "posts:write")},
        "post_release_id",
    ),
    _path(f"posts/{_ID}", {"DELETE": Route(posts.post_remove, "posts:write", "none")}, "post"),
    _path(
        r"analytics/post/(?P<postId>[^/]+)",
        {"GET": Route(views.analytics_post, "analytics:read", "none")},
        "analytics_post",
    ),
    _path(
        r"analytics/(?P<integration>[^/]+)",
        {"GET": Route(views.analytics_channel, "analytics:read", "none")},
        "analytics",
    ),
    _path(
        "notifications",
        {"GET": Route(views.notifications, None, "none")},
        "notifications",
    ),
    _path(
        "generate-video",
        {"POST": Route(views.video_not_available, "media:write")},
        "generate_video",
    ),
    _path(
        "video/function",
        {"POST": Route(views.video_not_available, "media:write")},
        "video_function",
    ),
    # Anything else under the prefix: the compatible 404, never an HTML page or a redirect.
    re_path(r"^.*$", csrf_exempt(route_not_found)),
]

"""Pages opened without an account: a post's preview link and a customer's review portal."""

from django.urls import path

from posts.views import portal, previews

urlpatterns = [
    path("p/<str:token>/", previews.preview_page, name="post_preview"),
    path("portal/<str:token>/", portal.portal, name="portal"),
    path(
        "portal/<str:token>/posts/<str:group_id>/<str:action>/",
        portal.portal_act,
        name="portal_act",
    ),
]

"""Notifications and analytics."""

from __future__ import annotations

from rest_framework.response import Response

from postiz.api import iso_ms
from postiz.native_api.base import (
    NativeView,
    id_page,
)
from postiz.native_api.views.common import _channel
from postiz.native_api.views.posts import _post


# -- Notifications and analytics -------------------------------------------------------------
class Notifications(NativeView):
    scopes = {"GET": None}

    def get(self, request):
        from posts.models import Notification

        user = request.auth.created_by
        rows = (
            Notification.objects.filter(organization=self.organization, user=user)
            if user
            else Notification.objects.none()
        )
        return id_page(
            request,
            rows,
            lambda n: {
                "id": str(n.public_id),
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "url": n.url or None,
                "read": n.read_at is not None,
                "created_at": iso_ms(n.created_at),
            },
            {},
        )


def _no_analytics():
    # Every provider here declares analytics "none" today.
    return Response({"supported": False, "data": []})


class ChannelAnalytics(NativeView):
    scopes = {"GET": "analytics:read"}

    def get(self, request, public_id):
        _channel(self, public_id)
        return _no_analytics()


class PostAnalytics(NativeView):
    scopes = {"GET": "analytics:read"}

    def get(self, request, public_id):
        _post(self, public_id)
        return _no_analytics()

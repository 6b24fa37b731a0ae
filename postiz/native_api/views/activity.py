"""Notifications and analytics."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from postiz.native_api import serializers as s
from postiz.native_api.base import (
    NativeView,
    id_page,
)
from postiz.native_api.views.common import _channel
from postiz.native_api.views.posts import _post_row


# -- Notifications and analytics -------------------------------------------------------------
class Notifications(NativeView):
    scopes = {"GET": None}

    @s.listed(s.NotificationOut)
    def get(self, request):
        from posts.models import Notification

        user = request.auth.created_by
        rows = (
            Notification.objects.filter(organization=self.organization, user=user)
            if user
            else Notification.objects.none()
        )
        return id_page(request, rows, s.NotificationOut, {})


def _no_analytics():
    # Every provider here declares analytics "none" today.
    return Response({"supported": False, "data": []})


class ChannelAnalytics(NativeView):
    scopes = {"GET": "analytics:read"}

    @extend_schema(responses=s.AnalyticsOut)
    def get(self, request, public_id):
        _channel(self, public_id)
        return _no_analytics()


class PostAnalytics(NativeView):
    scopes = {"GET": "analytics:read"}

    @extend_schema(responses=s.AnalyticsOut)
    def get(self, request, public_id):
        _post_row(self, public_id)
        return _no_analytics()

"""Notifications and analytics."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from integrations.providers.base.data import METRIC_NAMES
from postiz.api import iso_ms
from postiz.native_api import serializers as s
from postiz.native_api.base import (
    NativeView,
    decode_cursor,
    encode_cursor,
    id_page,
    page_limit,
)
from postiz.native_api.views.common import _channel
from postiz.native_api.views.posts import _post_row


# -- Notifications and analytics -------------------------------------------------------------
class Notifications(NativeView):
    scopes = {"GET": None}

    @s.listed(s.NotificationOut)
    def get(self, request):
        from posts.models import Notification
        from posts.services.notifications import notifications_for

        user = request.auth.created_by
        rows = (
            notifications_for(organization=self.organization, user=user)
            if user
            else Notification.objects.none()
        )
        return id_page(request, rows, s.NotificationOut, {})


_ANALYTICS_PARAMETERS = [
    OpenApiParameter("metric", str, required=False, enum=list(METRIC_NAMES)),
    OpenApiParameter("from", OpenApiTypes.DATE, required=False, description="First UTC day."),
    OpenApiParameter("to", OpenApiTypes.DATE, required=False, description="Last UTC day."),
    *s.PAGE_PARAMETERS,
]


def _day(request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({name: "Use a date, YYYY-MM-DD."}) from None


def _metric_page(request, rows) -> dict:
    """Rows of (metric, day) filtered by the query, in (day, metric) order, one page."""
    metric = request.query_params.get("metric") or ""
    if metric and metric not in METRIC_NAMES:
        raise exceptions.ValidationError({"metric": f"One of {', '.join(METRIC_NAMES)}."})
    first, last = _day(request, "from"), _day(request, "to")
    filters = {"metric": metric, "from": str(first or ""), "to": str(last or "")}
    if metric:
        rows = rows.filter(metric=metric)
    if first:
        rows = rows.filter(day__gte=first)
    if last:
        rows = rows.filter(day__lte=last)
    limit = page_limit(request)
    after = decode_cursor(request, filters)
    if after:
        day, name = date.fromisoformat(after[0]), after[1]
        rows = rows.filter(Q(day__gt=day) | Q(day=day, metric__gt=name))
    found = list(rows.order_by("day", "metric").values("metric", "day", "value")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    cursor = (
        encode_cursor([found[-1]["day"].isoformat(), found[-1]["metric"]], filters)
        if more
        else None
    )
    return {"data": s.MetricDayOut(found, many=True).data, "next_cursor": cursor}


def _state(channel) -> dict:
    from integrations.analytics import provider_analytics
    from integrations.models import ChannelAnalytics

    kind = provider_analytics(channel.provider)
    state = ChannelAnalytics.objects.filter(integration=channel).first()
    refused = bool(state and state.needs_reconnect)
    return {
        "supported": kind != "none",
        "analytics": kind,
        "needs_reconnect": refused,
        "message": state.message if refused else "",
    }


class ChannelAnalytics(NativeView):
    scopes = {"GET": "analytics:read"}

    @extend_schema(
        responses=s.AnalyticsOut,
        parameters=_ANALYTICS_PARAMETERS,
        description="The channel's own counts (followers…) per UTC day.",
    )
    def get(self, request, public_id):
        from posts.analytics.selectors import channel_metric_rows

        channel = _channel(self, public_id)
        rows = channel_metric_rows(organization=self.organization, integration=channel)
        return Response({**_state(channel), **_metric_page(request, rows)})


def _post(view, public_id):
    from posts.calendar import post_get

    post = post_get(organization=view.organization, public_id=public_id)
    if post is None:
        _post_row(view, public_id)  # answers the same 404 as the other post routes
    return post


class PostAnalytics(NativeView):
    scopes = {"GET": "analytics:read"}

    @extend_schema(
        responses=s.AnalyticsOut,
        parameters=_ANALYTICS_PARAMETERS,
        description="The post's counts per UTC day (each day holds the last value read "
        "that day), its newest counts and when they are next read.",
    )
    def get(self, request, public_id):
        from posts.analytics.models import PostMetricLatest, PostMetricsTrack
        from posts.analytics.selectors import post_metric_rows

        post = _post(self, public_id)
        latest = dict(PostMetricLatest.objects.filter(post=post).values_list("metric", "value"))
        track = PostMetricsTrack.objects.filter(post=post).first()
        rows = post_metric_rows(organization=self.organization, post=post)
        body = {
            **_state(post.integration),
            "latest": latest,
            "next_fetch_at": iso_ms(track.due_at) if track and track.due_at else None,
            **_metric_page(request, rows),
        }
        return Response(body)


class PostAnalyticsRefresh(NativeView):
    scopes = {"POST": "analytics:read"}

    @extend_schema(
        request=None,
        responses={202: s.AnalyticsRefreshOut},
        description="Read the post's counts again now (within the channel's hourly budget).",
    )
    def post(self, request, public_id):
        from posts.analytics.services import post_metrics_refresh

        post = _post(self, public_id)
        return Response({"queued": post_metrics_refresh(post=post)}, status=202)

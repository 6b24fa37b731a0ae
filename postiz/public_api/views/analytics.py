"""Analytics, notifications and the routes of features this server does not have: thin
views over posts' services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from postiz.api_serializers import AnswerSerializer, TimestampField
from postiz.public_api import serializers as s
from postiz.public_api.base import CompatView, compat_schema, find_channel, find_post
from postiz.public_api.transport import fail

_DAYS = OpenApiParameter(
    "date", int, required=False, description="Days to cover, 1-365 (default 7)."
)


class CompatPoint(AnswerSerializer):
    total = serializers.CharField(help_text="The day's figure, as a string.")
    date = serializers.CharField(help_text="YYYY-MM-DD (UTC day).")


class CompatSeries(AnswerSerializer):
    label = serializers.CharField(help_text="Followers, Likes, Comments, Shares, …")
    data = CompatPoint(many=True)
    percentageChange = serializers.FloatField(
        help_text="Change against the period before, in percent (0 when unknown)."
    )


_MISSING = {"type": "object", "properties": {"missing": {"type": "boolean"}}}


def compat_series(found) -> list[dict]:
    """Series in Postiz's shape: only the days the network told, totals as strings."""
    return [
        {
            "label": series.label,
            "data": [
                {"total": str(value), "date": day.isoformat()}
                for day, value in series.points
                if value is not None
            ],
            "percentageChange": series.change or 0,
        }
        for series in found
    ]


class ChannelAnalytics(CompatView):
    scopes = {"GET": "analytics:read"}

    @compat_schema(
        "A channel's analytics over the last days",
        CompatSeries(many=True),
        errors=[404],
        parameters=[_DAYS],
        description="One series per count the network gives: the channel's own (followers…) "
        "by day, then its posts' (likes, comments, shares…) by the day they went out. "
        "`[]` for a network that gives no counts.",
    )
    def get(self, request, integration):
        from posts.analytics.selectors import channel_series

        channel = find_channel(self, integration)
        days = self.query(s.CompatDays)["date"]
        return Response(compat_series(channel_series(integration=channel, days=days)))


class PostAnalytics(CompatView):
    scopes = {"GET": "analytics:read"}

    @compat_schema(
        "A post's analytics over the last days",
        OpenApiResponse(
            {
                "anyOf": [
                    {"type": "array", "items": {"$ref": "#/components/schemas/CompatSeries"}},
                    _MISSING,
                ]
            },
            "Success",
        ),
        errors=[404],
        parameters=[_DAYS],
        description="One series per count of the post, by day; `[]` before its first counts "
        'arrive; `{"missing": true}` for a post that went out without the '
        "network giving its id (set it with PUT /posts/{id}/release-id). A post with short "
        "links ends with a `Short-link clicks` series: its clicks to date, on today's date.",
    )
    def get(self, request, postId):
        from posts.analytics.selectors import post_series
        from posts.services.reschedule import post_awaits_release_id

        post = find_post(self, postId)
        days = self.query(s.CompatDays)["date"]
        if post_awaits_release_id(post):
            return Response({"missing": True})
        found = compat_series(post_series(post=post, days=days))
        return Response(found + _link_clicks(self.organization, post))


def _link_clicks(organization, post) -> list[dict]:
    """The post's short-link clicks as one more series (their total to date, today), when
    it has short links: clients that draw every label show it beside the others."""
    from django.utils import timezone

    from posts.links.selectors import clicks_by_post

    total = clicks_by_post(organization=organization, post_ids=[post.pk]).get(post.pk)
    if total is None:
        return []
    today = timezone.now().date().isoformat()
    return [
        {
            "label": "Short-link clicks",
            "data": [{"total": str(total), "date": today}],
            "percentageChange": 0,
        }
    ]


class CompatNotification(AnswerSerializer):
    id = serializers.CharField(source="public_id")
    content = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    createdAt = TimestampField(source="created_at")

    def get_content(self, row) -> str:
        return row.title + (f"\n{row.body}" if row.body else "")

    def get_link(self, row) -> str | None:
        return row.url or None


class CompatNotifications(AnswerSerializer):
    notifications = CompatNotification(many=True)
    total = serializers.IntegerField()
    page = serializers.IntegerField()
    limit = serializers.IntegerField()
    hasMore = serializers.BooleanField()


class Notifications(CompatView):
    scopes = {"GET": None}
    PAGE = 100

    @compat_schema(
        "The key creator's notifications in this organization, newest first",
        CompatNotifications,
        parameters=[s.CompatPage],
    )
    def get(self, request):
        from posts.services.notifications import notifications_for

        page = self.query(s.CompatPage)["page"]
        limit = self.PAGE
        user = self.actor
        if user is None:
            rows, total = [], 0
        else:
            found = notifications_for(organization=self.organization, user=user)
            total = found.count()
            rows = list(found[page * limit : (page + 1) * limit])
        body = {
            "notifications": rows,
            "total": total,
            "page": page,
            "limit": limit,
            "hasMore": (page + 1) * limit < total,
        }
        return Response(CompatNotifications(body).data)


_NOT_HERE = "Video generation is not available on this server"


class GenerateVideo(CompatView):
    scopes = {"POST": "media:write"}

    @compat_schema(
        "Generate a video (not available here)",
        inline_serializer("CompatVideoAnswer", {"msg": serializers.CharField()}),
        status=501,
        request=s.CompatVideo,
    )
    def post(self, request):
        raise fail(501, _NOT_HERE)


class VideoFunction(CompatView):
    scopes = {"POST": "media:write"}

    @compat_schema(
        "Call a video generator's function (not available here)",
        inline_serializer("CompatVideoFunctionAnswer", {"msg": serializers.CharField()}),
        status=501,
        request=s.CompatVideoFunction,
    )
    def post(self, request):
        raise fail(501, _NOT_HERE)

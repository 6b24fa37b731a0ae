"""A post's short links and their clicks."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from postiz.api import iso_ms
from postiz.native_api.base import NativeView
from postiz.native_api.views.activity import _post


class ShortLinkOut(serializers.Serializer):
    url = serializers.CharField(help_text="Where the link leads; never changes.")
    short_url = serializers.CharField(help_text="The short link as it was published.")
    shortener = serializers.ChoiceField(choices=["builtin", "dub", "shortio", "kutt"])
    clicks = serializers.IntegerField(
        help_text="Clicks by people (built-in: counted as they happen, bots and HEAD left "
        "out; others: as their shortener last reported)."
    )
    clicks_read_at = serializers.CharField(
        allow_null=True,
        help_text="When another shortener's count was last read; null for built-in links.",
    )
    created_at = serializers.CharField()


class PostLinksOut(serializers.Serializer):
    post = serializers.CharField(help_text="The post's id.")
    clicks = serializers.IntegerField(help_text="All its short links' clicks.")
    links = ShortLinkOut(many=True)


class PostLinks(NativeView):
    scopes = {"GET": "analytics:read"}

    @extend_schema(
        responses=PostLinksOut,
        description="The post's links that were shortened when it was published, with their "
        "clicks. Empty when its links went out as written.",
    )
    def get(self, request, public_id):
        from posts.links.selectors import links_of_post

        post = _post(self, public_id)
        links = list(links_of_post(organization=self.organization, post=post))
        body = {
            "post": str(post.public_id),
            "clicks": sum(link.clicks for link in links),
            "links": [
                {
                    "url": link.target,
                    "short_url": link.short_url,
                    "shortener": link.shortener,
                    "clicks": link.clicks,
                    "clicks_read_at": iso_ms(link.clicks_synced_at)
                    if link.clicks_synced_at
                    else None,
                    "created_at": iso_ms(link.created_at),
                }
                for link in links
            ],
        }
        return Response(PostLinksOut(body).data)

"""A post's comments: internal notes the team sees, never published. They belong to the
post's group, so the posts of one group show the same comments."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from postiz.native_api import serializers as s
from postiz.native_api.base import NativeView
from postiz.native_api.resources import (
    CommentSerializer,
    answer,
    by_public_id,
    check_current,
    etagged,
    idempotent,
    serializer_page,
    service,
    validated,
)
from posts import selectors
from posts.models import Post


def _post(view, public_id) -> Post:
    """One of the organization's posts as the post routes see them (not cancelled, its
    group and channel not deleted); 404 for anyone else's."""
    rows = selectors.posts_for(organization=view.organization).select_related("group")
    return by_public_id(rows, public_id, "Post")


class PostComments(NativeView):
    scopes = {"GET": "posts:read", "POST": "posts:write"}
    serializer_class = CommentSerializer

    @s.listed(CommentSerializer)
    def get(self, request, public_id):
        rows = selectors.comments_for(group=_post(self, public_id).group)
        return serializer_page(request, rows, CommentSerializer)

    @extend_schema(responses={201: CommentSerializer})
    @idempotent
    def post(self, request, public_id):
        from posts.services.library import comment_add

        post = _post(self, public_id)
        data = validated(CommentSerializer, request)
        row = service(
            lambda: comment_add(group=post.group, author=request.auth.created_by, body=data["body"])
        )
        response = answer(CommentSerializer(row))
        response.status_code = status.HTTP_201_CREATED
        response["Location"] = reverse("native_post_comment", args=[post.public_id, row.public_id])
        return response


class PostCommentDetail(NativeView):
    scopes = {"GET": "posts:read", "DELETE": "posts:write"}
    serializer_class = CommentSerializer

    def _row(self, public_id, comment_id):
        rows = selectors.comments_for(group=_post(self, public_id).group)
        return by_public_id(rows, comment_id, "Comment")

    @etagged
    def get(self, request, public_id, comment_id):
        return Response(CommentSerializer(self._row(public_id, comment_id)).data)

    def delete(self, request, public_id, comment_id):
        from posts.services.library import comment_delete

        row = self._row(public_id, comment_id)
        check_current(request, self.get(request, public_id, comment_id))
        # A key that may write posts moderates, as people who may edit posts do.
        comment_delete(comment=row, actor=request.auth.created_by, may_moderate=True)
        return Response(status=status.HTTP_204_NO_CONTENT)

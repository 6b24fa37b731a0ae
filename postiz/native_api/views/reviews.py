"""A post's review (approvals): submit it, approve it, request changes, reject it, and the
review thread with its comments. Each acts on the post's own channel within its group,
through posts.services.approvals, which decides who may do what.

A review action changes the post, so it takes If-Match like the other writes (a stale
version is a 412); ``approve`` also refuses (412) a post whose content changed after the
version the caller last read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from postiz.api import idempotent
from postiz.native_api import serializers as s
from postiz.native_api.base import Conflict, NativeView, PreconditionFailed, check_if_match
from postiz.native_api.resources import AuthorSerializer, PublicId, Timestamp, validated
from postiz.native_api.views.posts import _post_etag, _post_row
from posts import selectors as post_selectors


# -- Bodies and answers ------------------------------------------------------------------------
class ReviewApproveSerializer(serializers.Serializer):
    post_now = serializers.BooleanField(
        required=False,
        default=False,
        help_text="When the post's time has already passed: approve it to go out now. "
        "Without it, such an approval is refused (409) so a new time can be picked.",
    )


class ReviewBodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000, help_text="What should change, and why.")


class ReviewRejectSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default="", help_text="Why."
    )


class ReviewCommentSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=5000,
        help_text="@name tells that member: their email's part before the @, or their name "
        "written without spaces.",
    )


class ReviewCustomerSerializer(serializers.Serializer):
    id = PublicId()
    name = serializers.CharField()


class ReviewEventSerializer(serializers.Serializer):
    """One step of a group's review thread: submitted, approved, client_approved,
    changes_requested, rejected, comment, edited_after_approval, reminded or held."""

    id = PublicId()
    action = serializers.CharField()
    body = serializers.CharField(help_text="The comment, or what changed (edited_after_approval).")
    post_id = serializers.SerializerMethodField(help_text="The post it concerns; null: the group.")
    actor = AuthorSerializer(allow_null=True, help_text="The member who acted, if one did.")
    customer = ReviewCustomerSerializer(
        source="actor_customer", allow_null=True, help_text="Set when the client acted."
    )
    portal_label = serializers.CharField(help_text="The name the client gave, if any.")
    created_at = Timestamp()

    def get_post_id(self, row) -> str | None:
        return str(row.post.public_id) if row.post_id else None


class ReviewThreadSerializer(serializers.Serializer):
    data = ReviewEventSerializer(many=True)


# -- Calling the service -----------------------------------------------------------------------
def _review_call(call):
    """The review's refusals as problems: 403 not allowed, 409 nothing waiting or too late,
    412 stale, 400 anything else to fix."""
    from posts.services.approvals import (
        ReviewError,
        ReviewNotAllowed,
        ReviewNotWaiting,
        ReviewStale,
        ReviewTooLate,
    )

    try:
        return call()
    except ReviewNotAllowed as error:
        raise exceptions.PermissionDenied(error.message) from None
    except ReviewStale as error:
        raise PreconditionFailed(error.message) from None
    except (ReviewNotWaiting, ReviewTooLate) as error:
        raise Conflict(error.message) from None
    except ReviewError as error:
        raise exceptions.ValidationError({"non_field_errors": [error.message]}) from None


class _ReviewView(NativeView):
    """A review action on one post: reads it (404 for another organization's), checks
    If-Match, runs the action, answers with the post as it is now."""

    schema_problems = {"POST": [403, 409, 412, 428]}
    creates = False

    def act(self, post, data):  # pragma: no cover - each route has its own
        raise NotImplementedError

    def post(self, request, public_id):
        from posts.services.approvals import review_version

        row = _post_row(self, public_id)
        post = post_selectors.posts_for(organization=self.organization).get(pk=row["pk"])
        # Read before If-Match is checked: an edit landing in between is refused as stale.
        self.version = review_version(group=post.group)
        check_if_match(request, _post_etag(row))
        data = validated(self.body_serializer, request)
        _review_call(lambda: self.act(post, data))
        row = _post_row(self, public_id)
        response = Response(s.PostOut(row).data)
        response["ETag"] = _post_etag(row)
        return response


def _reviewed(body_serializer, summary: str, description: str):
    return extend_schema(
        request=body_serializer,
        responses={200: s.PostOut},
        summary=summary,
        description=description,
    )


class PostReviewSubmit(_ReviewView):
    scopes = {"POST": "posts:write"}

    class body_serializer(serializers.Serializer):
        pass

    @_reviewed(
        None,
        "Submit a post for approval",
        "For a draft with a date, or a post whose changes were requested or that was "
        "rejected: it waits for an approver. Needs posts:write and a key made by a member "
        "who may edit posts.",
    )
    @idempotent
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, post, data):
        from posts.services.approvals import review_submit

        review_submit(group=post.group, actor=self.request.auth.created_by, posts=[post])


class PostReviewApprove(_ReviewView):
    scopes = {"POST": "posts:approve"}
    body_serializer = ReviewApproveSerializer

    @_reviewed(
        ReviewApproveSerializer,
        "Approve a post",
        "Needs posts:approve and a key made by a member who may approve (not the post's "
        "author unless the organization allows it). An approved post is scheduled for its "
        "time, or waits for the client when its customer reviews too. 409 when it is not "
        "waiting (someone else decided) or its time passed without post_now; 412 when it "
        "changed since the version read.",
    )
    @idempotent
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, post, data):
        from posts.services.approvals import review_approve

        review_approve(
            group=post.group,
            actor=self.request.auth.created_by,
            posts=[post],
            expected_version=self.version,
            post_now=data["post_now"],
        )


class PostReviewRequestChanges(_ReviewView):
    scopes = {"POST": "posts:approve"}
    body_serializer = ReviewBodySerializer

    @_reviewed(
        ReviewBodySerializer,
        "Request changes to a post",
        "Needs posts:approve. The post keeps waiting (it never goes out unapproved); the "
        "author is told what to change, and editing it asks for approval again.",
    )
    @idempotent
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, post, data):
        from posts.services.approvals import review_request_changes

        review_request_changes(
            group=post.group, actor=self.request.auth.created_by, body=data["body"], posts=[post]
        )


class PostReviewReject(_ReviewView):
    scopes = {"POST": "posts:approve"}
    body_serializer = ReviewRejectSerializer

    @_reviewed(
        ReviewRejectSerializer,
        "Reject a post",
        "Needs posts:approve. The post will not go out: it becomes a draft marked rejected.",
    )
    @idempotent
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, post, data):
        from posts.services.approvals import review_reject

        review_reject(
            group=post.group, actor=self.request.auth.created_by, body=data["body"], posts=[post]
        )


class PostReviewThread(NativeView):
    """The review thread of the post's group, oldest first, and new comments on it."""

    scopes = {"GET": "posts:read", "POST": "posts:write"}
    schema_problems = {"POST": [403]}

    def _post(self, public_id):
        row = _post_row(self, public_id)
        return post_selectors.posts_for(organization=self.organization).get(pk=row["pk"])

    @extend_schema(responses=ReviewThreadSerializer, summary="A post's review thread")
    def get(self, request, public_id):
        from posts.services.approvals import review_thread

        rows = review_thread(group=self._post(public_id).group)
        return Response({"data": ReviewEventSerializer(rows, many=True).data})

    @extend_schema(
        request=ReviewCommentSerializer,
        responses={201: ReviewEventSerializer},
        summary="Comment on a post's review",
    )
    @idempotent
    def post(self, request, public_id):
        from posts.services.approvals import review_comment

        post = self._post(public_id)
        data = validated(ReviewCommentSerializer, request)
        event = _review_call(
            lambda: review_comment(
                group=post.group, actor=request.auth.created_by, body=data["body"]
            )
        )
        return Response(ReviewEventSerializer(event).data, status=status.HTTP_201_CREATED)

"""Posts: the list, create/edit (POST /posts), deletes, settings, status and release
ids. Each view reads the request through its serializer, calls posts.services (groups,
reschedule) and answers with the serializers' shapes."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from postiz.api import idempotent, iso_ms, rate_hit
from postiz.public_api import serializers as s
from postiz.public_api.base import CompatView, compat_schema, find_customer, find_post, public_uuid
from postiz.public_api.transport import CompatError, fail, invalid, json_response, post_rule
from posts import selectors as post_selectors
from posts.states import State

logger = logging.getLogger("postiz.public_api")


def _post_service(call, *, channels=(), republish_text: str = ""):
    """Runs a posts service and answers its refusals in the contract's shapes: a post
    rule names the channel (``channels``: the request's, by pk) or prefixes its name; a
    published post queued again without the flag is 400 ``republish_text`` when given,
    else a conflict like any post that can no longer be edited."""
    from posts.services.groups import (
        GENERAL,
        PostNotEditable,
        PostValidationError,
        RepublishRequired,
    )

    try:
        return call()
    except PostValidationError as error:
        by_pk = {channel.pk: channel for channel in channels}
        for channel_id, issues in error.issues_by_channel.items():
            blocking = [i for i in issues if i.severity == "error"]
            if not blocking:
                continue
            if channel_id == GENERAL:
                raise fail(400, blocking[0].message) from None
            channel = by_pk.get(channel_id)
            if channel is not None:
                raise post_rule(channel.provider, channel.name, blocking[0].message) from None
            from integrations.models import Integration

            name = Integration.objects.filter(pk=channel_id).values_list("name", flat=True)
            raise fail(400, f"{name.first()}: {blocking[0].message}") from None
        raise fail(400, error.message) from None
    except RepublishRequired as error:
        if republish_text:
            raise fail(400, republish_text) from None
        raise fail(409, error.message) from None
    except PostNotEditable as error:
        raise fail(409, error.message) from None
    except ValidationError as error:
        raise fail(400, " ".join(error.messages)) from None


# -- GET /posts, POST /posts --------------------------------------------------------------
class Posts(CompatView):
    scopes = {"GET": "posts:read", "POST": "posts:write"}

    @compat_schema(
        "Root posts published or due within a date range",
        s.CompatPosts,
        errors=[404],
        parameters=[s.CompatPostsQuery],
        description="Every state; a repeating post once per occurrence in the range. "
        "`publishDate` is the time asked for; a post that went out without the network "
        "giving its id shows `releaseId` `missing`.",
    )
    def get(self, request):
        query = self.query(s.CompatPostsQuery)
        start, end = query["startDate"], query["endDate"]
        posts = post_selectors.posts_for(organization=self.organization).filter(
            Q(publish_at__gte=start, publish_at__lte=end)
            # A repeating post anchored earlier may have occurrences in the window.
            | Q(group__repeat_every__isnull=False, publish_at__lt=start)
        )
        customer = query.get("customer")
        if customer:
            posts = posts.filter(integration__customer=find_customer(self, customer))
        rows = s.CompatPost.rows(posts.order_by("publish_at", "pk"), start=start, end=end)
        answer = s.CompatPosts({"posts": rows}, context={"organization": self.organization})
        return Response(answer.data)

    @compat_schema(
        "Create, edit or re-time posts (one item per channel; throttled per organization)",
        s.CompatCreated(many=True),
        status=201,
        request=s.CompatPostsCreate,
        errors=[402, 409, 422, 429],
        description="Answers carry `X-RateLimit-*` headers; an `Idempotency-Key` is "
        "honoured (a replay is not counted).",
    )
    @idempotent
    def post(self, request):
        from posts.services.groups import post_group_create, post_group_update

        self._count_request()
        plan = self.validated(s.CompatPostsCreate)
        work = plan["service"]
        if plan["group"] is None:
            group = _post_service(
                lambda: post_group_create(
                    organization=self.organization, actor=self.actor, method="api", **work
                ),
                channels=plan["channels"],
            )
        else:
            group = _post_service(
                lambda: post_group_update(
                    group=plan["group"], actor=self.actor, republish=plan["republish"], **work
                ),
                channels=plan["channels"],
                # Queueing it again is what the flag is for; an update keeps it as it is.
                republish_text=""
                if plan["kind"] == "update"
                else "This post was already published; send republish: true to publish it again.",
            )
        roots = {
            integration_id: (public_id, state)
            for integration_id, public_id, state in group.posts.values_list(
                "integration_id", "public_id", "state"
            )
        }
        created = [
            {
                "postId": roots[channel.pk][0],
                "integration": channel.public_id,
                "group": group.public_id,
                "status": s.STATE_NAMES.get(roots[channel.pk][1], "ERROR"),
            }
            for channel in plan["channels"]
        ]
        return Response(s.CompatCreated(created, many=True).data, status=201)

    def _count_request(self):
        """One request of the organization's bucket (2.4), before validation."""
        organization = self.organization
        limit = organization.api_post_rate_limit
        if limit is None:
            limit = settings.COMPAT_POST_RATE_LIMIT
        if not limit:
            return
        result = rate_hit(
            f"compat-posts:{organization.pk}",
            limit=limit,
            window_seconds=settings.COMPAT_POST_RATE_WINDOW,
        )
        headers = result.headers()
        self.extra_headers = {k: v for k, v in headers.items() if k != "Retry-After"}
        if not result.allowed:
            raise CompatError(
                json_response(
                    {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"},
                    429,
                    headers,
                )
            )


# -- Deletes ---------------------------------------------------------------------------------
def _delete_group(view, group) -> int:
    """Deletes the whole group (every channel, every reply); how many posts it had."""
    from posts.services.groups import PostBeingPublished, post_group_delete

    count = group.posts.exclude(state=State.CANCELLED).count()
    try:
        post_group_delete(group=group, actor=view.actor, while_publishing="refuse")
    except PostBeingPublished:
        raise fail(409, "Post is being published") from None
    return count


class PostDetail(CompatView):
    scopes = {"DELETE": "posts:write"}

    @compat_schema(
        "Delete the post's whole group",
        inline_serializer(
            "CompatPostDeleted",
            {
                "deleted": serializers.BooleanField(),
                "id": serializers.CharField(),
                "group": serializers.CharField(),
            },
        ),
        errors=[404, 409],
    )
    def delete(self, request, public_id):
        post = find_post(self, public_id)
        _delete_group(self, post.group)
        return Response(
            {"deleted": True, "id": str(post.public_id), "group": str(post.group.public_id)}
        )


class GroupDetail(CompatView):
    scopes = {"DELETE": "posts:write"}

    @compat_schema(
        "Delete a group (every channel, every reply)",
        inline_serializer(
            "CompatGroupDeleted",
            {
                "deleted": serializers.BooleanField(),
                "group": serializers.CharField(),
                "count": serializers.IntegerField(),
            },
        ),
        errors=[404, 409],
    )
    def delete(self, request, group):
        found = public_uuid(group)
        row = (
            post_selectors.groups_for(organization=self.organization)
            .filter(public_id=found)
            .first()
            if found
            else None
        )
        if row is None:
            raise fail(404, "Group not found")
        count = _delete_group(self, row)
        return Response({"deleted": True, "group": str(row.public_id), "count": count})


# -- Settings, status -------------------------------------------------------------------------
def _resave(view, post, **changes):
    """The post's group saved again with ``changes`` (posts.services.groups
    post_group_change); a post rule is ``<channel name>: <problem>``."""
    from posts.services.groups import post_group_change

    _post_service(lambda: post_group_change(group=post.group, actor=view.actor, **changes))


class PostSettings(CompatView):
    scopes = {"PUT": "posts:write"}

    @compat_schema(
        "Merge provider settings into a draft or future post",
        inline_serializer(
            "CompatSettingsChanged",
            {"postId": serializers.CharField(), "publishDate": serializers.DateTimeField()},
        ),
        request=s.CompatSettingsChange,
        errors=[400, 404],
    )
    def put(self, request, public_id):
        post = find_post(self, public_id)
        changed = self.validated(s.CompatSettingsChange)["settings"]
        if post.state not in (State.DRAFT, State.SCHEDULED, State.REVIEW):
            raise fail(
                400, "Only scheduled posts that were not published yet (or drafts) can be updated"
            )
        if (
            post.state in (State.SCHEDULED, State.REVIEW)
            and post.publish_at
            and post.publish_at <= timezone.now()
        ):
            raise fail(400, "The publish time of this post already passed")
        # Compat shim: __type always names the channel's network.
        changed = {**changed, "__type": post.integration.provider}
        _resave(self, post, settings_for={post.integration_id: changed})
        post.refresh_from_db()
        return Response(
            {
                "postId": str(post.public_id),
                "publishDate": iso_ms(post.publish_at or post.group.created_at),
            }
        )


class PostStatus(CompatView):
    scopes = {"PUT": "posts:write"}

    @compat_schema(
        "Move a post between draft and scheduled",
        inline_serializer(
            "CompatStatusChanged",
            {
                "id": serializers.CharField(),
                "state": serializers.ChoiceField(choices=["DRAFT", "QUEUE", "REVIEW"]),
            },
        ),
        request=s.CompatStatusChange,
        errors=[400, 404],
    )
    def put(self, request, public_id):
        post = find_post(self, public_id)
        status = self.validated(s.CompatStatusChange)["status"]
        if post.state == State.PUBLISHED:
            raise fail(400, "Published posts cannot change status")
        if post.state == State.PUBLISHING:
            raise fail(409, "Post is being published")
        when = post.publish_at
        if status == "draft":
            action = "draft"
        else:
            action = "now" if when is None or when <= timezone.now() else "schedule"
        _resave(self, post, action=action)
        post.refresh_from_db()
        # REVIEW: the channel needs an approval first; it goes out at its date once approved.
        state = {State.DRAFT: "DRAFT", State.REVIEW: "REVIEW"}.get(post.state, "QUEUE")
        return Response({"id": str(post.public_id), "state": state})


# -- Release ids ---------------------------------------------------------------------------------
class PostMissing(CompatView):
    """For a post that went out without the network giving its id: the channel's newest
    posts there, to pick it from; [] for any other post, for a network that cannot list
    its posts, and when the network cannot be asked now."""

    scopes = {"GET": "posts:read"}

    @compat_schema(
        "Recent network items that may be a post published without an id",
        inline_serializer(
            "CompatMissingCandidate",
            {"id": serializers.CharField(), "url": serializers.CharField()},
            many=True,
        ),
        errors=[404],
    )
    def get(self, request, public_id):
        from integrations import tools
        from posts.services.reschedule import post_awaits_release_id

        post = find_post(self, public_id)
        if not post_awaits_release_id(post):
            return Response([])
        try:
            found = tools.integration_recent_posts(integration=post.integration)
        except (tools.ChannelDisconnected, tools.ToolFailed) as error:
            logger.info("missing lookup of post %s: %s", post.pk, error)
            return Response([])
        return Response([{"id": ref.id, "url": ref.url} for ref in found if ref.id])


class PostReleaseId(CompatView):
    """A post that went out without the network giving its id (unconfirmed, or published
    without one) takes the id someone found; its address comes with it (``releaseURL``,
    else built from the id where the network's addresses allow)."""

    scopes = {"PUT": "posts:write"}

    @compat_schema(
        "Set the network id of a post published without one",
        s.CompatReleasedPost,
        request=s.CompatReleaseId,
        errors=[400, 404],
        description="Only for a post whose `releaseId` is `missing`: an unconfirmed post "
        "(shown as ERROR) or one published without an id. It becomes PUBLISHED with this id "
        "(a pasted post address works too) and `releaseURL` (sent, else built from the id "
        "where the network allows); any other post is 400 `This post is not waiting for a "
        "release id`.",
    )
    def put(self, request, public_id):
        from posts.services.reschedule import (
            clean_remote_id,
            clean_remote_url,
            post_awaits_release_id,
            post_set_release_id,
        )

        post = find_post(self, public_id)
        data = self.validated(s.CompatReleaseId)
        release, url = data["releaseId"], data.get("releaseURL")
        try:
            release = clean_remote_id(release)
        except ValidationError as error:
            raise _invalid_field("releaseId", error) from None
        try:
            url = clean_remote_url(url) if url and url.strip() else ""
        except ValidationError as error:
            raise _invalid_field("releaseURL", error) from None
        if not post_awaits_release_id(post):
            raise fail(400, "This post is not waiting for a release id")
        channel = post.integration
        try:
            ref = channel.provider_instance().ref_for_id(channel.as_channel(), release)
        except LookupError:  # a network this server no longer knows: the id as given
            ref = None
        try:
            post_set_release_id(
                post=post,
                actor=self.actor,
                remote_id=ref.id if ref else release,
                url=url or (ref.url if ref else ""),
                request=request,
            )
        except ValidationError:  # its state changed meanwhile
            raise fail(400, "This post is not waiting for a release id") from None
        [row] = s.CompatReleasedPost.rows(
            post_selectors.posts_for(organization=self.organization).filter(pk=post.pk)
        )
        answer = s.CompatReleasedPost(row, context={"organization": self.organization})
        return Response(answer.data)


def _invalid_field(name: str, error: ValidationError):
    return invalid(f"{name}: {' '.join(error.messages)}")

"""The native API's serializers: the requests it validates and the answers it writes
(snake_case, string ids, RFC 3339 UTC), which also make its OpenAPI document.

Answers are ``AnswerSerializer`` subclasses (postiz.api_serializers): declare the fields,
with ``source`` naming the attribute of an instance or the key of a ``values()`` row.
An answer that lists many rows also says which rows it writes (``PostOut.rows``), so the
query and the JSON it feeds are read in one place."""

from __future__ import annotations

from datetime import UTC

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Q, Value
from django.db.models.functions import JSONObject
from django.utils import timezone as dj_timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers

from integrations.models import Integration
from integrations.providers.base.data import METRIC_NAMES
from postiz.api import iso_ms
from postiz.api_serializers import AnswerSerializer, TimestampField, one_of
from postiz.native_api.base import Page
from posts.models import PlugRun, PostGroup, PostItem, ReviewState
from posts.states import State


# -- Requests ----------------------------------------------------------------------------
class PublishAtField(serializers.DateTimeField):
    """RFC 3339. With an offset (or ``Z``) it is that instant; without one it is a
    wall-clock time in the post's zone, left naive here for the view to read in that zone
    (the composer's rule: a time the clocks skip moves forward, a doubled one is the first)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "With an offset or Z, that instant; without one, a local time in the post's "
            "zone (the timezone field, else the group's, else the organization's).",
        )
        super().__init__(**kwargs)

    def enforce_timezone(self, value):
        if dj_timezone.is_aware(value):
            try:
                return value.astimezone(UTC)
            except OverflowError:
                return value  # no UTC datetime so far out; the date range check refuses it
        return value


class ItemSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=100_000)
    media_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    delay_minutes = serializers.IntegerField(min_value=0, required=False, default=0)


class ChannelPostSerializer(serializers.Serializer):
    channel_id = serializers.CharField(max_length=64)
    items = ItemSerializer(many=True, required=False, allow_null=True, default=None)
    settings = serializers.DictField(required=False, default=dict)


class GroupCreateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["draft", "schedule", "now", "queue"])
    publish_at = PublishAtField(required=False, allow_null=True, default=None)
    content = ItemSerializer(many=True, min_length=1)
    channels = ChannelPostSerializer(many=True, min_length=1)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    timezone = serializers.CharField(required=False, allow_blank=True, default="")
    shorten_links = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Shorten the links when published, where the organization asks each time "
        "(its always/never setting wins); left out: not shortened unless it always does.",
    )


class GroupPatchSerializer(serializers.Serializer):
    publish_at = PublishAtField(required=False, allow_null=True)
    content = ItemSerializer(many=True, min_length=1, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    action = serializers.ChoiceField(choices=["draft", "schedule", "now"], required=False)


class PostCreateSerializer(serializers.Serializer):
    channel_id = serializers.CharField(max_length=64)
    action = serializers.ChoiceField(choices=["draft", "schedule", "now", "queue"])
    publish_at = PublishAtField(required=False, allow_null=True, default=None)
    items = ItemSerializer(many=True, min_length=1)
    settings = serializers.DictField(required=False, default=dict)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    shorten_links = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Shorten the links when published, where the organization asks each time "
        "(its always/never setting wins); left out: not shortened unless it always does.",
    )


class PostPatchSerializer(serializers.Serializer):
    items = ItemSerializer(many=True, min_length=1, required=False)
    publish_at = PublishAtField(required=False, allow_null=True)
    settings = serializers.DictField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    republish = serializers.BooleanField(required=False, default=False)


class TagSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, default="#5b4bdb")


class WebhookSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=1000)
    events = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1)
    channel_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    is_active = serializers.BooleanField(required=False, default=True)


class MediaImportSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)


class MediaUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    name = serializers.CharField(required=False, max_length=255)


# -- Answers -----------------------------------------------------------------------------
class TextOrNull(serializers.CharField):
    """Text that is null when empty."""

    def to_representation(self, value):
        return str(value) or None


class CustomerOut(AnswerSerializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()


CHANNEL_STATUS = {
    Integration.Status.ACTIVE: "connected",
    Integration.Status.NEEDS_RECONNECT: "refresh_needed",
    Integration.Status.DISABLED: "disabled",
}


class ChannelOut(AnswerSerializer):
    """A channel (an Integration, with its customer selected)."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    provider = serializers.CharField()
    username = TextOrNull()
    picture = TextOrNull(source="avatar_url")
    status = serializers.SerializerMethodField()
    customer = CustomerOut(allow_null=True)
    posting_times = serializers.ListField(child=serializers.CharField())
    timezone = serializers.CharField()
    created_at = TimestampField()

    def get_status(self, row) -> str:
        return CHANNEL_STATUS.get(row.status, "incomplete")


class TagOut(AnswerSerializer):
    """A tag: an instance, or a row with the same keys."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    color = serializers.CharField()
    created_at = TimestampField()
    updated_at = TimestampField()


class PostItemOut(AnswerSerializer):
    position = serializers.IntegerField()
    text = serializers.CharField(source="content")
    delay_minutes = serializers.IntegerField()
    media_ids = serializers.ListField(child=serializers.CharField())
    remote_id = TextOrNull(help_text="The item's id on the network.")
    remote_url = TextOrNull()


class PostError(AnswerSerializer):
    kind = serializers.CharField(source="error_kind")
    message = serializers.CharField(source="error_message")

    def to_representation(self, row):
        return super().to_representation(row) if row["error_message"] else None


def _plug_run(run: dict) -> dict:
    """A plug run as the database wrote it in JSON, with its time as a datetime again."""
    from datetime import datetime

    if run.get("fired_at"):
        run["fired_at"] = datetime.fromisoformat(run["fired_at"])
    return run


class PlugRunOut(AnswerSerializer):
    """What a plug of the post's channel did with it (once per plug, ever)."""

    id = serializers.CharField(source="public_id")
    plug_id = serializers.CharField(source="plug__public_id")
    kind = serializers.ChoiceField(choices=["repost", "reply"])
    metric = serializers.CharField()
    threshold = serializers.IntegerField()
    value = serializers.IntegerField(help_text="The count that reached the threshold.")
    state = serializers.ChoiceField(
        choices=["pending", "sending", "done", "failed", "unconfirmed"],
        help_text="done: fired; pending: waiting (a throttled network); failed: refused "
        "(message says why); unconfirmed: the answer was unclear and it is never sent again.",
    )
    fired_at = TimestampField(allow_null=True)
    release_id = TextOrNull(source="remote_id", help_text="The repost's or reply's id.")
    release_url = TextOrNull(source="remote_url")
    message = serializers.CharField()


class PostOut(AnswerSerializer):
    """One channel's post with its thread. Writes the rows of ``PostOut.rows``, which
    lists and single posts both read."""

    id = serializers.CharField(source="public_id")
    group_id = serializers.CharField(source="group__public_id")
    channel_id = serializers.CharField(source="integration__public_id")
    state = serializers.ChoiceField(choices=[s.value for s in State])
    review_state = serializers.ChoiceField(
        choices=[r.value for r in ReviewState],
        help_text="Where the post stands in its approvals: empty when its channel needs none; "
        "needs_review (waiting for an approver), needs_client_review (waiting for the "
        "client), changes_requested, approved or rejected. A post in the review state never "
        "goes out before it is approved.",
    )
    publish_at = TimestampField(
        allow_null=True,
        help_text="The time the post was asked to go out. Retries never move it; null for a "
        "draft without a date.",
    )
    published_at = TimestampField(
        allow_null=True, help_text="When it actually went out; null until it has."
    )
    next_attempt_at = serializers.SerializerMethodField(
        help_text="For a scheduled post waiting to be tried again (after a failure the "
        "network may recover from, or while the network processes it): when the next "
        "attempt is due. Null otherwise.",
    )
    settings = serializers.DictField()
    items = PostItemOut(many=True)
    error = PostError(source="*", allow_null=True)
    plug_runs = PlugRunOut(many=True, help_text="What the channel's plugs did with the post.")
    release_id = TextOrNull(source="remote_id", help_text="The post's id on the network.")
    release_url = TextOrNull(source="remote_url")
    created_at = TimestampField()
    updated_at = TimestampField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_attempt_at(self, row) -> str | None:
        # The engine's next try, for a scheduled post that has one.
        return iso_ms(row["retry_at"]) if row["state"] == State.SCHEDULED else None

    @staticmethod
    def rows(posts, *, etag: bool = True) -> list[dict]:
        """``posts`` (a queryset of Post) as the rows this writes, in its order: two
        queries (the posts; their items, each with its media's ids). ``etag``: with what
        a single post's ETag reads (lists leave it out)."""
        rows = list(
            posts.values(
                *(("group__updated_at",) if etag else ()),
                "pk",
                "group_id",
                "public_id",
                "group__public_id",
                "integration__public_id",
                "state",
                "review_state",
                "publish_at",
                "published_at",
                "retry_at",
                "settings",
                "error_kind",
                "error_message",
                "remote_id",
                "remote_url",
                "created_at",
                "updated_at",
                # What plugs did with the post, in the same query as the post.
                plug_run_list=ArraySubquery(
                    PlugRun.objects.filter(post=OuterRef("pk"))
                    .order_by("created_at", "id")
                    .values(
                        json=JSONObject(
                            public_id="public_id",
                            plug__public_id="plug__public_id",
                            kind="kind",
                            metric="metric",
                            threshold="threshold",
                            value="value",
                            state="state",
                            fired_at="fired_at",
                            remote_id="remote_id",
                            remote_url="remote_url",
                            message="message",
                        )
                    )
                ),
            )
        )
        by_post = {}
        for row in rows:
            row["items"] = by_post[row["pk"]] = []
        if not rows:
            return rows
        for row in rows:
            row["plug_runs"] = [_plug_run(run) for run in row.pop("plug_run_list") or []]
        for item in (
            PostItem.objects.filter(post_id__in=one_of(by_post))
            .order_by("post_id", "position")
            .values(
                "pk",  # one row per item
                "post_id",
                "position",
                "content",
                "delay_minutes",
                "remote_id",
                "remote_url",
                media_ids=ArrayAgg(
                    "attachments__media__public_id",
                    order_by="attachments__position",
                    filter=Q(attachments__isnull=False),
                    default=Value([]),
                ),
            )
        ):
            by_post[item["post_id"]].append(item)
        return rows


class PostPage(Page):
    data = PostOut(many=True)


PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, required=False, description="1 to 200; 50 by default."),
    OpenApiParameter("cursor", str, required=False, description="A page's next_cursor."),
]
_PAGES: dict[type, type] = {}


def page_of(answer: type) -> type:
    """The document of a cursor page of ``answer`` rows (``base.id_page``,
    ``resources.serializer_page``), one class per answer so each is one component."""
    if answer not in _PAGES:
        name = answer.__name__.removesuffix("Serializer").removesuffix("Out") + "Page"
        _PAGES[answer] = type(name, (Page,), {"data": answer(many=True)})
    return _PAGES[answer]


def listed(answer: type):
    """``extend_schema`` of a GET answering a cursor page of ``answer`` rows."""
    return extend_schema(responses=page_of(answer), parameters=PAGE_PARAMETERS)


class GroupRepeat(AnswerSerializer):
    every = serializers.IntegerField(source="repeat_every")
    unit = serializers.CharField(source="repeat_unit")
    until = serializers.DateField(source="repeat_until", allow_null=True)

    def to_representation(self, row):
        return super().to_representation(row) if row["repeat_every"] else None


class GroupOut(AnswerSerializer):
    """A group with its posts and tags. Writes the rows of ``GroupOut.rows``."""

    id = serializers.CharField(source="public_id")
    timezone = serializers.CharField()
    creation_method = serializers.CharField()
    repeat = GroupRepeat(source="*", allow_null=True)
    content = serializers.JSONField()
    tags = TagOut(many=True)
    posts = PostOut(many=True)
    created_at = TimestampField()
    updated_at = TimestampField()

    @staticmethod
    def rows(groups, posts) -> list[dict]:
        """``groups`` (a queryset of PostGroup) as the rows this writes, each with those of
        ``posts`` (a queryset of Post) that belong to it, by id."""
        rows = list(
            groups.values(
                "pk",
                "public_id",
                "timezone",
                "creation_method",
                "repeat_every",
                "repeat_unit",
                "repeat_until",
                "content",
                "created_at",
                "updated_at",
            )
        )
        by_group = {row["pk"]: row for row in rows}
        for row in rows:
            row["posts"], row["tags"] = [], []
        for post in PostOut.rows(posts.filter(group__in=by_group).order_by("pk")):
            by_group[post["group_id"]]["posts"].append(post)
        links = PostGroup.tags.through.objects.filter(postgroup_id__in=by_group)
        links = links.order_by("tag__name", "pk")
        for link in links.values(
            "postgroup_id",
            public_id=F("tag__public_id"),
            name=F("tag__name"),
            color=F("tag__color"),
            created_at=F("tag__created_at"),
            updated_at=F("tag__updated_at"),
        ):
            by_group[link["postgroup_id"]]["tags"].append(link)
        return rows


class WebhookOut(AnswerSerializer):
    """A webhook (its channels prefetched); never its secret."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    channel_ids = serializers.SerializerMethodField()
    is_active = serializers.BooleanField()
    created_at = TimestampField()
    updated_at = TimestampField()

    def get_channel_ids(self, row) -> list[str]:
        return [str(c.public_id) for c in row.integrations.all()]


class DeliveryOut(AnswerSerializer):
    """One delivery of a webhook."""

    id = serializers.CharField(source="pk")
    event = serializers.CharField()
    event_id = serializers.CharField()
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    response_excerpt = serializers.SerializerMethodField()
    error = TextOrNull()
    created_at = TimestampField()
    delivered_at = TimestampField(allow_null=True)

    def get_response_excerpt(self, row) -> str:
        return row.response_excerpt[:500]


class MediaOut(AnswerSerializer):
    """A file of the media library."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    kind = serializers.CharField()
    mime_type = serializers.CharField()
    size = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    duration = serializers.FloatField(allow_null=True, help_text="Seconds (video).")
    frame_rate = serializers.FloatField(allow_null=True, help_text="Frames per second (video).")
    codec = TextOrNull(
        allow_null=True, help_text='The video codec as FFmpeg names it ("h264"); null if unknown.'
    )
    alt_text = serializers.CharField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField(
        help_text="A small preview: an image's thumbnail or a video's poster frame."
    )
    created_at = TimestampField()

    def get_url(self, row) -> str:
        from media.services import media_public_url

        return media_public_url(row)

    def get_thumbnail_url(self, row) -> str | None:
        from postiz.http import absolute_url

        if not row.thumbnail:
            return None
        url = row.thumbnail.url
        return url if url.startswith(("http://", "https://")) else absolute_url(url)


class NotificationOut(AnswerSerializer):
    id = serializers.CharField(source="public_id")
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = TextOrNull()
    read = serializers.SerializerMethodField()
    created_at = TimestampField()

    def get_read(self, row) -> bool:
        return row.read_at is not None


# -- Answers without a model (their views write them as dicts) ----------------------------
class MeOrganization(serializers.Serializer):
    id = serializers.CharField()
    slug = serializers.CharField(help_text="Names its pages (/o/<slug>/).")
    name = serializers.CharField()
    timezone = serializers.CharField()


class MeKey(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    full_access = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True)


class MeLimits(serializers.Serializer):
    requests_per_minute = serializers.IntegerField()
    creates_per_hour = serializers.IntegerField()


class MeOut(serializers.Serializer):
    """The key's organization, the key itself and its limits."""

    organization = MeOrganization()
    key = MeKey()
    limits = MeLimits()


class NextSlotOut(serializers.Serializer):
    next_slot = serializers.DateTimeField(allow_null=True)


class SettingsSchemaOut(serializers.Serializer):
    max_length = serializers.IntegerField(allow_null=True)
    settings = serializers.DictField(help_text="The JSON Schema of the post settings.")
    tools = serializers.ListField(child=serializers.DictField())


class ToolOutput(serializers.Serializer):
    output = serializers.JSONField()


class MetricDayOut(serializers.Serializer):
    metric = serializers.ChoiceField(choices=list(METRIC_NAMES))
    day = serializers.DateField(help_text="The UTC day the network gave this count on.")
    value = serializers.IntegerField()


class AnalyticsOut(serializers.Serializer):
    """A channel's or a post's counts: one row per metric and day, paged by cursor."""

    supported = serializers.BooleanField(help_text="Whether the network gives such counts.")
    analytics = serializers.ChoiceField(
        choices=["none", "post", "account", "both"],
        help_text="What the network gives: post counts, channel counts, both or none.",
    )
    needs_reconnect = serializers.BooleanField(
        help_text="The network refused the counts' permission; reconnect the channel."
    )
    message = serializers.CharField(help_text="What the network said when it refused.")
    latest = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Posts only: the newest count of each metric.",
    )
    next_fetch_at = TimestampField(
        required=False, allow_null=True, help_text="Posts only: when counts are next read."
    )
    data = MetricDayOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class AnalyticsRefreshOut(serializers.Serializer):
    queued = serializers.BooleanField(
        help_text="False when the post has nothing to fetch (not published, or its "
        "network gives no post counts)."
    )


class WebhookCreatedOut(WebhookOut):
    """A new webhook, with the secret that signs its deliveries (shown once)."""

    secret = serializers.CharField()


class WebhookSecretOut(serializers.Serializer):
    secret = serializers.CharField()

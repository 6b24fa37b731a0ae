"""What the compatible surface answers: the contract's objects (spec 2.5) and the
routes' own bodies, as ``AnswerSerializer`` subclasses (postiz.api_serializers).
``CompatPost`` writes the rows of ``CompatPost.rows``, which the post list and the
release-id answer both read."""

from __future__ import annotations

from django.db.models import F, TextField
from django.db.models.functions import Cast, Coalesce
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.models import Integration
from media.models import MediaFile
from postiz.api import organization_id
from postiz.api_serializers import AnswerSerializer, TimestampField, one_of
from postiz.public_api.content import html_to_text
from posts.models import PostGroup
from posts.repeats import occurrences_between
from posts.services.reschedule import MISSING_RELEASE_ID, release_id_missing
from posts.states import State


# -- Answers: the shared objects (2.5) ------------------------------------------------------
class TextOrNull(serializers.CharField):
    """Text that is null when empty."""

    def to_representation(self, value):
        return str(value) or None


class CompatCustomer(AnswerSerializer):
    id = serializers.CharField(source="public_id")
    name = serializers.CharField()


class CompatIntegration(AnswerSerializer):
    """A channel (an Integration with its customer)."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    identifier = serializers.CharField(source="provider")
    picture = TextOrNull(source="avatar_url", allow_null=True)
    disabled = serializers.SerializerMethodField()
    profile = TextOrNull(source="username", allow_null=True)
    refreshNeeded = serializers.SerializerMethodField(
        help_text="Extra: the channel needs reconnecting."
    )
    customer = CompatCustomer(required=False, help_text="Left out when the channel has none.")

    def get_disabled(self, channel) -> bool:
        return channel.status == Integration.Status.DISABLED

    def get_refreshNeeded(self, channel) -> bool:
        return channel.status == Integration.Status.NEEDS_RECONNECT


class CompatIntegrationDeleted(CompatIntegration):
    deletedAt = TimestampField(source="deleted_at")


class CompatTag(AnswerSerializer):
    """A tag (an instance, or a row with its keys)."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    color = serializers.CharField()
    orgId = serializers.SerializerMethodField(
        help_text="The organization's public id (the same in every body of both APIs)."
    )
    deletedAt = serializers.SerializerMethodField(help_text="Always null: a deleted tag is gone.")
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    def get_orgId(self, tag) -> str:
        return organization_id(self.context["organization"])

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_deletedAt(self, tag):
        return None


class CompatMedia(AnswerSerializer):
    """A file of the library (a MediaFile)."""

    id = serializers.CharField(source="public_id")
    name = serializers.SerializerMethodField()
    originalName = TextOrNull(source="name", allow_null=True)
    path = serializers.SerializerMethodField(help_text="The file's absolute public address.")
    thumbnail = serializers.SerializerMethodField()
    alt = TextOrNull(source="alt_text", allow_null=True)
    type = serializers.SerializerMethodField()
    fileSize = serializers.IntegerField(source="size")
    organizationId = serializers.SerializerMethodField()
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="created_at")

    def get_name(self, row) -> str:
        return row.file.name.rsplit("/", 1)[-1]

    def get_path(self, row) -> str:
        from media.services import media_public_url

        return media_public_url(row)

    def get_thumbnail(self, row) -> str | None:
        from postiz.http import absolute_url

        if not row.thumbnail:
            return None
        url = row.thumbnail.url
        return url if url.startswith(("http://", "https://")) else absolute_url(url)

    @extend_schema_field(serializers.ChoiceField(choices=["image", "video"]))
    def get_type(self, row) -> str:
        return "video" if row.kind == MediaFile.Kind.VIDEO else "image"

    def get_organizationId(self, row) -> str:
        return organization_id(self.context["organization"])


# -- Answers: posts -------------------------------------------------------------------------
STATE_NAMES = {
    State.DRAFT: "DRAFT",
    State.SCHEDULED: "QUEUE",
    State.PUBLISHING: "QUEUE",
    State.PUBLISHED: "PUBLISHED",
    State.FAILED: "ERROR",
    State.UNCONFIRMED: "ERROR",
    State.MISSED: "ERROR",
    State.CANCELLED: "ERROR",
    # Approvals (an organization that asks for them): queued for its date, once approved.
    State.REVIEW: "REVIEW",
}
CREATION_METHODS = {"api": "API", "web": "WEB", "import": "IMPORT", "rss": "RSS"}


class CompatPostTag(AnswerSerializer):
    tag = CompatTag(source="*")


class CompatPostIntegration(AnswerSerializer):
    id = serializers.CharField(source="integration__public_id")
    providerIdentifier = serializers.CharField(source="integration__provider")
    name = serializers.CharField(source="integration__name")
    picture = TextOrNull(source="integration__avatar_url", allow_null=True)


class CompatPost(AnswerSerializer):
    """A root post as Postiz clients read it. Writes the rows of ``CompatPost.rows``."""

    id = serializers.CharField(source="public_id")
    group = serializers.CharField(source="group__public_id")
    content = serializers.SerializerMethodField(help_text="The post's first item, as text.")
    publishDate = TimestampField(
        source="publish_date", help_text="The time the post was asked for."
    )
    state = serializers.SerializerMethodField()
    releaseId = serializers.SerializerMethodField(
        help_text="The post's id on the network; `missing` when it went out (or may have) "
        "without the network giving it (PUT /posts/{id}/release-id sets it)."
    )
    releaseURL = TextOrNull(source="remote_url", allow_null=True)
    intervalInDays = serializers.SerializerMethodField()
    creationMethod = serializers.SerializerMethodField()
    settings = serializers.CharField(source="settings_text", help_text="A JSON-encoded object.")
    tags = CompatPostTag(many=True)
    integration = CompatPostIntegration(source="*")
    actualDate = TimestampField(
        source="actual_date",
        required=False,
        help_text="Occurrences of a repeating post only: the series' stored time.",
    )

    # What ``rows`` reads of each post (values() keys, which the fields above name).
    columns = (
        "pk",
        "public_id",
        "group_id",
        "group__public_id",
        "content",
        "publish_date",
        "state",
        "remote_id",
        "remote_url",
        "settings_text",
        "group__repeat_every",
        "group__repeat_unit",
        "group__repeat_until",
        "group__timezone",
        "group__creation_method",
        "integration__public_id",
        "integration__provider",
        "integration__name",
        "integration__avatar_url",
    )

    def get_content(self, row) -> str:
        content = row["content"] or ""
        return html_to_text(content) if "<" in content or "&" in content else content

    @extend_schema_field(serializers.ChoiceField(choices=["QUEUE", "PUBLISHED", "ERROR", "DRAFT"]))
    def get_state(self, row) -> str:
        return STATE_NAMES.get(row["state"], "ERROR")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_releaseId(self, row) -> str | None:
        if release_id_missing(row["state"], row["remote_id"]):
            return MISSING_RELEASE_ID
        return row["remote_id"] or None

    def get_intervalInDays(self, row) -> int | None:
        every = row["group__repeat_every"]
        if not every:
            return None
        return every * (7 if row["group__repeat_unit"] == "week" else 1)

    def get_creationMethod(self, row) -> str:
        return CREATION_METHODS.get(row["group__creation_method"], "API")

    @classmethod
    def rows(cls, posts, *, start=None, end=None) -> list[dict]:
        """Root posts of ``posts`` (a queryset of Post) as the rows this writes, with their
        group's tags, in two queries. With a window, a repeating post becomes one row per
        occurrence inside it (dated by it, ``actual_date`` its stored time), among the
        others by date."""
        found = list(
            posts.filter(items__position=0).values(
                *[c for c in cls.columns if c not in ("content", "publish_date", "settings_text")],
                content=F("items__content"),
                publish_date=Coalesce("publish_at", "group__created_at"),
                settings_text=Cast("settings", TextField()),
            )
        )
        tags: dict[int, list] = {row["group_id"]: [] for row in found}
        links = PostGroup.tags.through.objects.filter(postgroup_id__in=one_of(tags))
        links = links.order_by("pk")
        for link in links.values(
            "postgroup_id",
            public_id=F("tag__public_id"),
            name=F("tag__name"),
            color=F("tag__color"),
            created_at=F("tag__created_at"),
            updated_at=F("tag__updated_at"),
        ):
            tags[link["postgroup_id"]].append(link)
        for row in found:
            row["tags"] = tags[row["group_id"]]
        if start is None:
            return found
        listed, repeats = [], False
        for row in found:
            if not row["group__repeat_every"]:
                listed.append(row)
                continue
            repeats = True
            for moment in occurrences_between(
                first=row["publish_date"],
                every=row["group__repeat_every"],
                unit=row["group__repeat_unit"],
                zone=row["group__timezone"],
                until=row["group__repeat_until"],
                start=start,
                end=end,
            ):
                listed.append({**row, "publish_date": moment, "actual_date": row["publish_date"]})
        if repeats:
            # Occurrences of repeating posts fall between the single posts' dates.
            listed.sort(key=lambda row: row["publish_date"])
        return listed


class CompatPosts(AnswerSerializer):
    posts = CompatPost(many=True)


class CompatReleasedPost(CompatPost):
    """The post after PUT /posts/:id/release-id: a Post with more of its columns."""

    organizationId = serializers.SerializerMethodField()
    integrationId = serializers.CharField(source="integration__public_id")
    parentPostId = serializers.SerializerMethodField()
    error = TextOrNull(source="error_message", allow_null=True)
    createdAt = TimestampField(source="created_at")
    updatedAt = TimestampField(source="updated_at")

    columns = (*CompatPost.columns, "error_message", "created_at", "updated_at")

    def get_organizationId(self, row) -> str:
        return organization_id(self.context["organization"])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parentPostId(self, row):
        return None


class CompatCreated(AnswerSerializer):
    postId = serializers.CharField(help_text="The channel's root post.")
    integration = serializers.CharField()
    group = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["DRAFT", "QUEUE", "REVIEW", "PUBLISHED", "ERROR"],
        help_text="The post's state, as GET /posts names it: `REVIEW` when the channel needs "
        "an approval first (it goes out at its date once approved).",
    )


class CompatToolInput(AnswerSerializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "number", "boolean"])
    description = serializers.CharField()


class CompatTool(AnswerSerializer):
    """A look-up tool of a network (what its ``describe()`` gives)."""

    methodName = serializers.CharField()
    description = serializers.CharField()
    dataSchema = CompatToolInput(many=True)


class CompatChannelRules(AnswerSerializer):
    rules = serializers.CharField()
    maxLength = serializers.IntegerField()
    settings = serializers.JSONField(
        help_text="JSON Schema of the network's settings, or the text "
        "`No additional settings required`."
    )
    tools = CompatTool(many=True)


class CompatIntegrationSettings(AnswerSerializer):
    output = CompatChannelRules()

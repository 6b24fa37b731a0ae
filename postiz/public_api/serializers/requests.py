"""What clients of the compatible surface send, read in the contract's words.

Each field says what it must be ("must be a string") and ``flatten_errors`` (base)
prefixes the field's path ("posts.0.value.0.content must be a string"). Types are strict:
a number is not a string and "true" is not a boolean, as the original's class-validator
has it. ``CompatPostsCreate`` also turns POST /posts into what posts.services.groups
takes.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations import selectors as channel_selectors
from postiz.api import parse_timestamp
from postiz.public_api.base import public_uuid
from postiz.public_api.content import html_to_text
from postiz.public_api.transport import fail, invalid, post_rule
from posts import selectors as post_selectors
from posts.models import PostGroup, Tag
from posts.services.validation import DATE_RANGE_TEXT, date_in_range
from posts.states import State


# -- Request fields: strict types, one message each -----------------------------------------
class _Said(dict):
    """Every refusal of a field in one text."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text.replace("{", "{{").replace("}", "}}")  # DRF formats messages

    def __missing__(self, key):
        return self.text


class _Says:
    def __init__(self, *args, message: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages = _Said(message)


@extend_schema_field(OpenApiTypes.STR)
class Text(_Says, serializers.CharField):
    """A JSON string (a number is refused)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or (not self.allow_blank and not data.strip()):
            self.fail("invalid")
        return data


@extend_schema_field(OpenApiTypes.STR)
class IdText(_Says, serializers.Field):
    """An id: a string, or a JSON number read as one."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        return str(data)


@extend_schema_field(OpenApiTypes.INT)
class Whole(_Says, serializers.Field):
    """A JSON integer of at least ``minimum`` (a bool or a string is refused)."""

    def __init__(self, *, minimum: int = 0, **kwargs):
        self.minimum = minimum
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int) or data < self.minimum:
            self.fail("invalid")
        return data


@extend_schema_field(OpenApiTypes.BOOL)
class Flag(_Says, serializers.Field):
    """A JSON boolean."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObject(_Says, serializers.Field):
    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("invalid")
        return data


@extend_schema_field({"type": "array", "items": {"type": "object"}})
class Objects(_Says, serializers.Field):
    """A list of JSON objects."""

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            self.fail("invalid")
        return data


class Choice(_Says, serializers.ChoiceField):
    def __init__(self, choices, **kwargs):
        words = ", ".join(choices)
        super().__init__(choices, message=f"must be one of the following values: {words}", **kwargs)


@extend_schema_field(OpenApiTypes.DATETIME)
class Moment(serializers.Field):
    """ISO 8601 with or without fraction, ``Z`` or offset; no offset = UTC; a bare date =
    00:00 UTC. ``in_range``: only the dates a post may be given."""

    default_error_messages = {
        "invalid": "must be a valid ISO 8601 date string",
        "required": "must be a valid ISO 8601 date string",
        "null": "must be a valid ISO 8601 date string",
        "range": f"must be {DATE_RANGE_TEXT} (UTC)",
    }

    def __init__(self, *, in_range: bool = False, **kwargs):
        self.in_range = in_range
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        moment = parse_timestamp(data)
        if moment is None:
            self.fail("invalid")
        if self.in_range and not date_in_range(moment):
            self.fail("range")
        return moment


class Items(_Says, serializers.ListSerializer):
    """A list of objects, each read by ``child``, with at least one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_empty", False)
        super().__init__(*args, message="must contain at least 1 elements", **kwargs)


# -- POST /posts ----------------------------------------------------------------------------
TYPES = ("draft", "schedule", "now", "update")


class CompatImage(serializers.Serializer):
    """Documents an image of a thread item (read as it is: ``id`` may be a client's own
    string, ``path`` an address of this server)."""

    id = serializers.CharField()
    path = serializers.CharField()
    alt = serializers.CharField(required=False)
    thumbnail = serializers.CharField(required=False)


@extend_schema_field(CompatImage(many=True))
class Images(Objects):
    pass


class CompatValue(serializers.Serializer):
    default_error_messages = {"invalid": "must be an object"}

    content = Text(message="must be a string", help_text="HTML allowed.")
    id = serializers.JSONField(required=False, help_text="An existing post to edit.")
    delay = Whole(
        required=False,
        allow_null=True,
        message="must be an integer of 0 or more",
        help_text="Minutes after the previous item (ignored on the first).",
    )
    image = Images(required=False, allow_null=True, message="must be an array of objects")


class CompatIntegrationRef(serializers.Serializer):
    id = serializers.CharField()


@extend_schema_field(CompatIntegrationRef)
class IntegrationRef(JSONObject):
    """``{"id": ...}``, checked before anything else (``CompatPostsCreate``)."""


class CompatPostItem(serializers.Serializer):
    integration = IntegrationRef(message="must be an object")
    group = IdText(
        required=False,
        allow_null=True,
        message="must be a string",
        help_text="Edit this existing group in place.",
    )
    value = Items(child=CompatValue())
    settings = JSONObject(
        required=False,
        allow_null=True,
        message="must be an object",
        help_text="The network's settings; __type is always the channel's network.",
    )


class CompatTagRef(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


@extend_schema_field(CompatTagRef(many=True))
class TagRefs(Objects):
    pass


class CompatPostsCreate(serializers.Serializer):
    """POST /posts. Reads the body in the contract's order (2.7: the channel of every
    item, the structure, channels, media, empty posts) and gives what
    posts.services.groups takes; the rules of the posts themselves are the service's."""

    type = Choice(TYPES)
    date = Moment(in_range=True, required=False, help_text="Required except for now.")
    shortLink = Flag(
        required=False,
        message="must be a boolean value",
        help_text="true: shorten the links of these posts when they are published (where the "
        "organization asks each time; its always/never setting wins).",
    )
    tags = TagRefs(required=False, message="must be an array of {value, label} objects")
    inter = Whole(
        minimum=1,
        required=False,
        allow_null=True,
        message="must be an integer of 1 or more",
        help_text="Repeat every N days.",
    )
    posts = Items(child=CompatPostItem())
    order = serializers.JSONField(required=False)
    republish = serializers.BooleanField(
        required=False, help_text="Needed to queue a PUBLISHED post again."
    )
    creationMethod = serializers.CharField(required=False)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise invalid("The body must be a JSON object with type, date and posts.")
        # 1. Every item names its channel, before anything else is looked at.
        if isinstance(data.get("posts"), list):
            for item in data["posts"]:
                integration = item.get("integration") if isinstance(item, dict) else None
                if not isinstance(integration, dict) or integration.get("id") in (None, ""):
                    raise fail(400, "All posts must have an integration id")
        if data.get("type") != "now":
            self.fields["date"].required = True
        else:
            data = {name: value for name, value in data.items() if name != "date"}
        # 2. Structure and types (the fields above), in the validation shape.
        return super().to_internal_value(data)

    def validate(self, attrs):
        from posts.services.groups import ChannelInput, ItemInput, group_action

        organization = self.context["organization"]
        kind = attrs["type"]
        posts = attrs["posts"]
        # 3. Channels: unknown, removed and other organizations' are one answer.
        named = {str(item["integration"]["id"]) for item in posts}
        wanted = {public_uuid(public): public for public in named}
        found = {
            str(channel.public_id): channel
            for channel in channel_selectors.integrations_for(organization=organization).filter(
                public_id__in=[w for w in wanted if w]
            )
        }
        for item in posts:
            public = str(item["integration"]["id"])
            key = str(public_uuid(public))
            if key not in found:
                raise fail(400, f"Integration with id {public} not found")
            item["channel"] = found[key]
        existing = self._group_to_edit(organization, posts)
        if kind == "update" and existing is None:
            raise fail(400, "update requires an existing group or post id")
        # 4, 5. Media from the library, and no empty post.
        media = _Library(organization)
        channels = []
        for item in posts:
            channel = item["channel"]
            thread = []
            for position, value in enumerate(item["value"]):
                media_ids, alts = media.resolve(value.get("image") or [])
                text = html_to_text(value["content"])
                if position == 0 and not text.strip() and not media_ids:
                    raise post_rule(
                        channel.provider,
                        channel.name,
                        "Your post should have at least one character or one image.",
                    )
                delay = int(value.get("delay") or 0) if position else 0
                thread.append(ItemInput(text, media_ids, delay, alts))
            settings = dict(item.get("settings") or {})
            # Compat shims: __type names the channel's network; X clients often omit this.
            settings["__type"] = channel.provider
            if channel.provider == "x":
                settings.setdefault("who_can_reply_post", "everyone")
            channels.append(ChannelInput(channel.pk, thread, settings))
        labels = {
            str(tag.get("label") or tag.get("value") or "").strip().lower()
            for tag in attrs.get("tags") or []
        }
        tags = [
            tag.pk
            for tag in Tag.objects.filter(organization=organization)
            if tag.name.strip().lower() in labels
        ]
        publish_at, action = attrs.get("date"), kind
        if kind == "now":
            publish_at = timezone.now().replace(second=0, microsecond=0)
        elif kind == "update":
            action = group_action(existing.posts.exclude(state=State.CANCELLED))
        elif kind == "schedule" and publish_at <= timezone.now():
            action = "now"  # a past date publishes at once
        repeat = {}
        if attrs.get("inter"):
            repeat = {"repeat_every": attrs["inter"], "repeat_unit": "day"}
        return {
            "kind": kind,
            "group": existing,
            "channels": [item["channel"] for item in posts],
            "service": {
                "content": channels[0].items,
                "channels": channels,
                "action": action,
                "publish_at": publish_at if action != "now" else None,
                "timezone": organization.timezone,
                "tags": tags,
                **repeat,
            },
            "republish": bool(attrs.get("republish")),
            # The answer to "shorten the links?" when the organization asks each time;
            # None when the client did not say (a saved answer is kept).
            "short_link": attrs.get("shortLink"),
        }

    @staticmethod
    def _group_to_edit(organization, posts) -> PostGroup | None:
        """The group named by ``group`` (the same on every item that names one), else the
        group of a post named by a ``value[].id``."""
        named = {str(item["group"]) for item in posts if item.get("group") not in (None, "")}
        if len(named) > 1:
            raise fail(400, "All posts of one request must share the same group")
        if named:
            found = public_uuid(named.pop())
            return (
                post_selectors.groups_for(organization=organization).filter(public_id=found).first()
                if found
                else None
            )
        ids = [public_uuid(v.get("id")) for item in posts for v in item["value"] if v.get("id")]
        ids = [i for i in ids if i]
        if not ids:
            return None
        match = (
            post_selectors.posts_for(organization=organization)
            .filter(public_id__in=ids)
            .select_related("group")
            .first()
        )
        return match.group if match else None


class _Library:
    """Images of a request, found in the organization's library by id, else by the
    stored file's name in their ``path``."""

    def __init__(self, organization):
        from media.selectors import media_for_organization

        self.files = media_for_organization(organization)
        self.seen: dict = {}

    def resolve(self, images: list[dict]) -> tuple[list[int], dict[int, str]]:
        ids, alts = [], {}
        for image in images:
            row = None
            found = public_uuid(image.get("id"))
            if found:
                row = self.seen.get(found) or self.files.filter(public_id=found).first()
            path = image.get("path")
            if row is None and isinstance(path, str) and path:
                stored = path.split("?", 1)[0].rsplit("/", 1)[-1]
                if stored:
                    row = self.files.filter(file__endswith="/" + stored).first()
            if row is None:
                # External addresses would have to be fetched at publish time; this server
                # only publishes files from its own library.
                raise fail(400, "All media must be uploaded through the upload route")
            self.seen[row.public_id] = row
            ids.append(row.pk)
            if isinstance(image.get("alt"), str) and image["alt"]:
                alts[row.pk] = image["alt"][:1500]
        return ids, alts


# -- Other requests -------------------------------------------------------------------------
class CompatPostsQuery(serializers.Serializer):
    """GET /posts's query."""

    startDate = Moment()
    endDate = Moment()
    customer = serializers.CharField(
        required=False,
        help_text="Only posts of this customer's channels (an id from /groups). One that is "
        "not the organization's customer, whatever its form, is 404 `Customer not found`.",
    )


class CompatBody(serializers.Serializer):
    """A route's JSON body: anything but an object reads as an empty one, so the answer
    names the fields the route needs."""

    def to_internal_value(self, data):
        return super().to_internal_value(data if isinstance(data, dict) else {})


class CompatSettingsChange(CompatBody):
    settings = JSONObject(message="must be an object")


class CompatStatusChange(CompatBody):
    status = Choice(("draft", "schedule"))


class CompatReleaseId(CompatBody):
    releaseId = IdText(message="must be a string")
    releaseURL = Text(required=False, allow_null=True, message="must be a string")


class CompatUploadFromUrl(CompatBody):
    url = Text(allow_blank=False, message="must be a URL address")


class CompatUpload(serializers.Serializer):
    file = serializers.FileField()


class CompatTrigger(CompatBody):
    methodName = Text(allow_blank=False, message="must be a string")
    data = serializers.JSONField(required=False, help_text="The tool's inputs.")


@extend_schema_field(OpenApiTypes.INT)
class Days(_Says, serializers.Field):
    """A whole number of days from 1 to 365, as a query string gives it."""

    def to_internal_value(self, data):
        if not str(data).isdigit() or not 1 <= int(data) <= 365:
            self.fail("invalid")
        return int(data)


@extend_schema_field(OpenApiTypes.INT)
class Page(serializers.Field):
    """A page number from a query string; anything but digits reads as the first page."""

    def to_internal_value(self, data):
        return int(data) if str(data).isdigit() else 0


class CompatDays(serializers.Serializer):
    """The analytics routes' query."""

    date = Days(
        required=False,
        default=7,
        message="must be a whole number of days from 1 to 365",
        help_text="Days to cover, 1-365 (default 7).",
    )


class CompatPage(serializers.Serializer):
    """GET /notifications's query."""

    page = Page(required=False, default=0, help_text="From 0; 100 notifications a page.")


class CompatVideo(serializers.Serializer):
    type = serializers.CharField()
    output = serializers.CharField()
    customParams = serializers.JSONField(required=False)


class CompatVideoFunction(serializers.Serializer):
    identifier = serializers.CharField()
    functionName = serializers.CharField()
    params = serializers.JSONField(required=False)

"""The post lists, on a mixed set of posts, against each surface's post object written
out here from the models, field by field (``_public_post``, ``_native_post``): what a
client reads of one post, independently of the serializers that write the lists."""

import json
from datetime import UTC, datetime

import pytest
from django.db.models import Prefetch
from django.test import Client

from integrations.models import Integration
from media.models import MediaFile
from postiz.api import iso_ms
from postiz.public_api.content import html_to_text
from posts.models import Post, PostGroup, PostItem, PostItemMedia, Tag
from posts.services.reschedule import MISSING_RELEASE_ID, post_awaits_release_id
from posts.states import State
from tests.api.helpers import make_key
from tests.factories import MediaFileFactory

_STATE_NAMES = {
    State.DRAFT: "DRAFT",
    State.SCHEDULED: "QUEUE",
    State.PUBLISHING: "QUEUE",
    State.PUBLISHED: "PUBLISHED",
}
_METHODS = {"api": "API", "web": "WEB", "import": "IMPORT", "rss": "RSS"}


def _public_post(row: Post, *, root_text, tags, publish_at=None, actual=None) -> dict:
    """A post as the compatible surface writes it (spec 2.5)."""
    group, channel = row.group, row.integration
    every = group.repeat_every
    body = {
        "id": str(row.public_id),
        "group": str(group.public_id),
        "content": root_text or "",
        "publishDate": iso_ms(publish_at or row.publish_at or group.created_at),
        "state": _STATE_NAMES.get(row.state, "ERROR"),
        "releaseId": MISSING_RELEASE_ID if post_awaits_release_id(row) else row.remote_id or None,
        "releaseURL": row.remote_url or None,
        "intervalInDays": every * (7 if group.repeat_unit == "week" else 1) if every else None,
        "creationMethod": _METHODS.get(group.creation_method, "API"),
        "settings": json.dumps(row.settings or {}, separators=(",", ":")),
        "tags": [
            {
                "tag": {
                    "id": str(t.public_id),
                    "name": t.name,
                    "color": t.color,
                    "orgId": str(row.organization.public_id),
                    "deletedAt": None,
                    "createdAt": iso_ms(t.created_at),
                    "updatedAt": iso_ms(t.updated_at),
                }
            }
            for t in tags
        ],
        "integration": {
            "id": str(channel.public_id),
            "providerIdentifier": channel.provider,
            "name": channel.name,
            "picture": channel.avatar_url or None,
        },
    }
    if actual is not None:
        body["actualDate"] = iso_ms(actual)
    return body


def _native_post(row: Post) -> dict:
    """A post as the native surface writes it."""
    return {
        "id": str(row.public_id),
        "group_id": str(row.group.public_id),
        "channel_id": str(row.integration.public_id),
        "state": row.state,
        "review_state": row.review_state,
        "publish_at": iso_ms(row.publish_at),
        "published_at": iso_ms(row.published_at),
        "next_attempt_at": iso_ms(row.retry_at if row.state == State.SCHEDULED else None),
        "settings": row.settings or {},
        "items": [
            {
                "position": item.position,
                "text": item.content,
                "delay_minutes": item.delay_minutes,
                "media_ids": [str(a.media.public_id) for a in item.attachments.all()],
                "remote_id": item.remote_id or None,
                "remote_url": item.remote_url or None,
            }
            for item in row.items.all()
        ],
        "error": (
            {"kind": row.error_kind, "message": row.error_message} if row.error_message else None
        ),
        "plug_runs": [],  # none of these posts reached a plug's threshold
        "release_id": row.remote_id or None,
        "release_url": row.remote_url or None,
        "created_at": iso_ms(row.created_at),
        "updated_at": iso_ms(row.updated_at),
    }


def _posts_query(organization):
    """The organization's listed posts, with what ``_native_post`` reads."""
    items = PostItem.objects.order_by("position").prefetch_related(
        Prefetch(
            "attachments",
            queryset=PostItemMedia.objects.select_related("media").order_by("position"),
        )
    )
    return (
        Post.objects.filter(
            organization=organization,
            group__deleted_at__isnull=True,
            integration__deleted_at__isnull=True,
        )
        .exclude(state=State.CANCELLED)
        .select_related("group", "integration")
        .prefetch_related(Prefetch("items", queryset=items))
    )


WINDOW = "startDate=2030-01-01T00:00:00Z&endDate=2030-01-31T23:59:59Z"


def _at(day: int, hour: int = 10, microsecond: int = 0) -> datetime:
    return datetime(2030, 1, day, hour, 0, 0, microsecond, tzinfo=UTC)


def _post(org, channel, *, when, content, state=State.SCHEDULED, tags=(), group=None, **fields):
    group = group or PostGroup.objects.create(organization=org, creation_method="api")
    group.tags.add(*tags)
    post = Post.objects.create(
        organization=org, group=group, integration=channel, state=state, publish_at=when, **fields
    )
    PostItem.objects.create(post=post, position=0, content=content)
    return post


@pytest.fixture
def mixed(org, channel, x_channel, other_channel):
    """Posts of every kind the lists show, and some they must not."""
    launch = Tag.objects.create(organization=org, name="Launch", color="#112233")
    news = Tag.objects.create(organization=org, name='News "quoted"', color="#445566")
    picture = MediaFileFactory(organization=org, name="Picture.png")
    published = _post(
        org,
        channel,
        when=_at(3, microsecond=123456),
        content="<p>Hi &amp; <b>welcome</b></p><ul><li>one</li></ul>",
        state=State.PUBLISHED,
        tags=[news, launch],
        remote_id="1099",
        remote_url="https://social.example/@acme/1099",
        published_at=_at(3, 11),
        settings={"visibility": "public", "nested": {"list": [1, 2.5, None, "é"]}},
    )
    reply = PostItem.objects.create(
        post=published,
        position=1,
        content="A reply with a picture",
        delay_minutes=5,
        remote_id="1100",
        remote_url="https://social.example/@acme/1100",
    )
    PostItemMedia.objects.create(item=reply, media=picture, position=0)
    _post(
        org,
        x_channel,
        when=_at(5),
        content='Plain "quotes", a back\\slash, a tab\tand a line\nbreak ✓',
        state=State.DRAFT,
        tags=[launch],
        settings={"who_can_reply_post": "everyone"},
    )
    _post(
        org,
        channel,
        when=_at(7),
        content="It failed",
        state=State.FAILED,
        error_kind="auth",
        error_message="The token was revoked",
    )
    # Went out (or may have) without the network giving its id: the sentinel release id.
    _post(
        org,
        x_channel,
        when=_at(11),
        content="Maybe out",
        state=State.UNCONFIRMED,
        error_kind="unknown_outcome",
        error_message="We could not confirm it",
    )
    _post(org, x_channel, when=_at(12), content="Out, no id", state=State.PUBLISHED)
    # Waiting for another attempt (shown as next_attempt_at; a failed post's is stale).
    _post(org, channel, when=_at(13), content="Retrying", retry_at=_at(13, 11))
    _post(org, x_channel, when=_at(14), content="Gave up", state=State.FAILED, retry_at=_at(14, 11))
    weekly = PostGroup.objects.create(
        organization=org,
        creation_method="web",
        repeat_every=1,
        repeat_unit="week",
        timezone="Europe/Paris",
    )
    _post(org, x_channel, when=_at(1, 8) - (_at(8) - _at(1)) * 2, content="Weekly", group=weekly)
    # Not listed: cancelled, a deleted group, a removed channel, another organization.
    _post(org, channel, when=_at(9), content="Cancelled", state=State.CANCELLED)
    gone = PostGroup.objects.create(organization=org, deleted_at=_at(1))
    _post(org, channel, when=_at(9), content="Deleted", group=gone)
    removed = Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="removed",
        name="Removed",
        credentials={},
        deleted_at=_at(1),
    )
    _post(org, removed, when=_at(9), content="Removed channel")
    _post(other_channel.organization, other_channel, when=_at(9), content="Someone else's")
    return {"published": published, "launch": launch}


def _tags(group) -> list[Tag]:
    links = PostGroup.tags.through.objects.filter(postgroup=group).order_by("id")
    return [link.tag for link in links.select_related("tag")]


def _with_settings_decoded(posts: list[dict]) -> list[dict]:
    # The settings object travels as a JSON string; its spacing is not part of the contract.
    return [{**p, "settings": json.loads(p["settings"])} for p in posts]


def test_public_list_matches_the_single_post_shape(api, org, mixed, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api.get(f"/public/v1/posts?{WINDOW}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    listed = response.json()["posts"]
    expected = []
    for post in Post.objects.filter(organization=org).exclude(state=State.CANCELLED):
        if post.group.deleted_at or post.integration.deleted_at:
            continue
        root = post.items.get(position=0).content
        fields = {"root_text": html_to_text(root), "tags": _tags(post.group)}
        if post.group.repeat_every:
            # Weekly at 09:00 Paris time (08:00 UTC in winter) from 18 December.
            for day in (1, 8, 15, 22, 29):
                expected.append(
                    _public_post(post, publish_at=_at(day, 8), actual=post.publish_at, **fields)
                )
        else:
            expected.append(_public_post(post, **fields))
    expected.sort(key=lambda p: p["publishDate"])
    assert _with_settings_decoded(listed) == _with_settings_decoded(expected)
    assert [p["content"] for p in listed][:2] == ["Weekly", "Hi & welcome\n- one"]
    assert listed[1]["publishDate"] == "2030-01-03T10:00:00.123Z"
    assert sorted(t["tag"]["name"] for t in listed[1]["tags"]) == ["Launch", 'News "quoted"']


def test_public_list_filters_by_customer(api, channel, mixed):
    listed = api.get(f"/public/v1/posts?{WINDOW}&customer={channel.customer.public_id}").json()
    assert {p["integration"]["id"] for p in listed["posts"]} == {str(channel.public_id)}
    assert [p["content"] for p in listed["posts"]] == [
        "Hi & welcome\n- one",
        "It failed",
        "Retrying",
    ]


def test_a_customer_id_that_is_not_one_of_ours_is_an_unknown_customer(
    api, mixed, other_org, django_assert_max_num_queries
):
    from integrations.models import Customer

    theirs = Customer.objects.create(organization=other_org, name="Their client")
    for value in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", theirs.public_id, 5):
        with django_assert_max_num_queries(3):
            response = api.get(f"/public/v1/posts?{WINDOW}&customer={value}")
        assert response.status_code == 404, value
        assert response.json() == {"msg": "Customer not found"}
        channels = api.get(f"/public/v1/integrations?group={value}")
        assert channels.status_code == 404 and channels.json() == {"msg": "Customer not found"}


def test_public_list_hides_other_organizations_posts(other_org, mixed):
    _key, raw = make_key(other_org)
    listed = Client(HTTP_AUTHORIZATION=raw).get(f"/public/v1/posts?{WINDOW}").json()
    assert [p["content"] for p in listed["posts"]] == ["Someone else's"]


def test_native_list_matches_the_single_post_shape(api, org, mixed, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/posts?limit=200")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    expected = [_native_post(p) for p in _posts_query(org).order_by("publish_at", "id")]
    assert body == {"data": expected, "next_cursor": None}
    first = body["data"][1]
    assert first["items"][1]["media_ids"] == [
        str(MediaFile.objects.get(organization=org).public_id)
    ]
    assert first["publish_at"] == "2030-01-03T10:00:00.123Z"


def test_native_list_pages_and_filters_match_the_single_post_shape(api, org, channel, mixed):
    everything = [_native_post(p) for p in _posts_query(org).order_by("publish_at", "id")]
    seen, url = [], "/api/v1/posts?limit=1"
    while url:
        body = api.get(url).json()
        seen += body["data"]
        url = f"/api/v1/posts?limit=1&cursor={body['next_cursor']}" if body["next_cursor"] else None
    assert seen == everything
    cases = {
        f"customer={channel.customer.public_id}": {"channel_id": str(channel.public_id)},
        f"channel={channel.public_id}": {"channel_id": str(channel.public_id)},
        "state=failed": {"state": "failed"},
        "q=welcome": {"id": str(mixed["published"].public_id)},
    }
    for query, wanted in cases.items():
        listed = api.get(f"/api/v1/posts?{query}").json()["data"]
        matching = [p for p in everything if wanted.items() <= p.items()]
        assert listed == matching, query
    tagged = api.get(f"/api/v1/posts?tag={mixed['launch'].public_id}").json()["data"]
    assert [p["state"] for p in tagged] == ["published", "draft"]


def test_native_list_window_pages_match_the_single_post_shape(api, org, channel, mixed):
    """from/to with a cursor: the window's posts (sorted by publish date), each once."""
    _post(org, channel, when=_at(3, microsecond=123456), content="Same moment")
    _post(org, channel, when=_at(20), content="Outside the window")
    everything = [_native_post(p) for p in _posts_query(org).order_by("publish_at", "id")]
    start, end = "2030-01-01T00:00:00Z", "2030-01-10T00:00:00Z"
    inside = [p for p in everything if start <= p["publish_at"] <= end]
    assert len(inside) >= 3 and len(inside) < len(everything)
    window = f"from={start}&to={end}&limit=1"
    seen, url = [], f"/api/v1/posts?{window}"
    while url:
        body = api.get(url).json()
        seen += body["data"]
        more = body["next_cursor"]
        url = f"/api/v1/posts?{window}&cursor={more}" if more else None
    assert seen == inside
    assert api.get("/api/v1/posts?from=yesterday").status_code == 400

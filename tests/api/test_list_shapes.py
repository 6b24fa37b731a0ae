"""The post lists are written by PostgreSQL as JSON text; single objects by Python
(postiz.public_api.shapes.post, postiz.native_api.serializers.post). These tests hold the
two to the same objects on a mixed set of posts, so neither can drift from the other."""

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from integrations.models import Integration
from media.models import MediaFile
from postiz.native_api import serializers as s
from postiz.native_api.views import _posts_query
from postiz.public_api import shapes
from postiz.public_api.views import html_to_text
from posts.models import Post, PostGroup, PostItem, PostItemMedia, Tag
from posts.states import State
from tests.api.helpers import make_key

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
    picture = MediaFile.objects.create(
        organization=org,
        file="media/acme/picture.png",
        name="Picture.png",
        kind="image",
        mime_type="image/png",
        size=10,
    )
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
                    shapes.post(post, publish_at=_at(day, 8), actual=post.publish_at, **fields)
                )
        else:
            expected.append(shapes.post(post, **fields))
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
    expected = [s.post(p) for p in _posts_query(org).order_by("publish_at", "id")]
    assert body == {"data": expected, "next_cursor": None}
    first = body["data"][1]
    assert first["items"][1]["media_ids"] == [
        str(MediaFile.objects.get(organization=org).public_id)
    ]
    assert first["publish_at"] == "2030-01-03T10:00:00.123Z"


def test_native_list_pages_and_filters_match_the_single_post_shape(api, org, channel, mixed):
    everything = [s.post(p) for p in _posts_query(org).order_by("publish_at", "id")]
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
    everything = [s.post(p) for p in _posts_query(org).order_by("publish_at", "id")]
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

"""What an agent does through the tools, checked where a person would notice it: in the
database (the calendar), the audit log, and the answers; and what it may never see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from organizations.models import AuditEvent
from posts.models import Post, PostGroup
from posts.states import State
from tests import customer_world
from tests.api.helpers import make_key
from tests.factories import OrganizationFactory, PostFactory
from tests.media.files import png

pytestmark = pytest.mark.django_db(transaction=True)


def _schedule(agent, channel, text="Hello from an agent", **extra):
    return agent.call(
        "create_post",
        {
            "channels": [{"channel_id": str(channel.public_id)}],
            "items": [{"text": text}],
            "publish_at": "2030-01-15T09:00",
            "timezone": "Europe/Paris",
            **extra,
        },
    )


def test_list_channels_answers_channels_with_their_networks_rules(agent, channel, org):
    other = Integration.objects.create(
        organization=OrganizationFactory(), provider="mastodon", external_id="7", name="Theirs"
    )
    failed, answer = agent.call("list_channels")
    assert not failed
    [row] = answer["channels"]
    assert row["id"] == str(channel.public_id)
    assert row["timezone"] == "Europe/Paris"
    assert row["rules"]["max_length"] == 500
    assert row["rules"]["media"]["max_count"] == 4
    assert "image/png" in row["rules"]["media"]["mime_types"]
    assert str(other.public_id) not in str(answer)


def test_scheduling_a_post_stores_it_scheduled_at_the_utc_time(agent, channel, owner):
    failed, answer = _schedule(agent, channel, text="Hello\n\nfrom an agent")
    assert not failed, answer
    post = Post.objects.get(public_id=answer["posts"][0]["id"])
    assert post.state == State.SCHEDULED
    # 09:00 in Paris in January is 08:00 UTC.
    assert post.publish_at == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    assert post.items.get().content == "Hello\n\nfrom an agent"
    assert answer["posts"][0]["publish_at"] == "2030-01-15T08:00:00.000Z"
    event = AuditEvent.objects.get(action="post.scheduled")
    assert event.actor == owner
    assert event.organization_id == channel.organization_id


def test_a_thread_of_several_items_keeps_its_order_and_delays(agent, channel):
    failed, answer = agent.call(
        "create_post",
        {
            "channels": [{"channel_id": str(channel.public_id)}],
            "items": [
                {"text": "one"},
                {"text": "two", "delay_minutes": 5},
                {"text": "three"},
            ],
            "publish_at": "2030-01-15T08:00:00Z",
        },
    )
    assert not failed, answer
    post = Post.objects.get(public_id=answer["posts"][0]["id"])
    assert list(post.items.order_by("position").values_list("content", "delay_minutes")) == [
        ("one", 0),
        ("two", 5),
        ("three", 0),
    ]


def test_a_post_over_the_networks_limit_is_a_tool_error_and_nothing_is_saved(agent, channel):
    failed, text = _schedule(agent, channel, text="x" * 501)
    assert failed
    assert "Acme on Mastodon" in text
    assert "500" in text
    assert not PostGroup.objects.exists()


def test_scheduling_without_a_time_says_what_to_send(agent, channel):
    failed, text = agent.call(
        "create_post",
        {"channels": [{"channel_id": str(channel.public_id)}], "items": [{"text": "hi"}]},
    )
    assert failed
    assert "publish_at is required" in text


def test_a_repeated_idempotency_key_creates_the_post_once(agent, channel):
    first = _schedule(agent, channel, idempotency_key="agent-run-1")
    again = _schedule(agent, channel, idempotency_key="agent-run-1")
    assert not first[0] and not again[0]
    assert again[1]["group_id"] == first[1]["group_id"]
    assert again[1]["replayed"] is True
    assert PostGroup.objects.count() == 1
    failed, text = _schedule(agent, channel, text="Other text", idempotency_key="agent-run-1")
    assert failed
    assert "different request body" in text


def test_an_outsiders_post_id_is_not_found(agent, channel):
    theirs = PostFactory(items=["their secret text"])
    for tool in ("get_post", "delete_post", "get_post_analytics"):
        failed, text = agent.call(tool, {"post_id": str(theirs.public_id)})
        assert failed, tool
        assert f"Post {theirs.public_id} not found" in text
        assert "secret" not in text
    failed, text = agent.call(
        "update_post", {"post_id": str(theirs.public_id), "items": [{"text": "mine now"}]}
    )
    assert failed and "not found" in text
    assert theirs.items.get().content == "their secret text"
    theirs.refresh_from_db()
    assert theirs.state == State.SCHEDULED


def test_an_outsiders_channel_is_not_found(agent, channel):
    theirs = Integration.objects.create(
        organization=OrganizationFactory(), provider="mastodon", external_id="8", name="Theirs"
    )
    failed, text = _schedule(agent, theirs)
    assert failed and f"Channel {theirs.public_id} not found" in text
    assert not PostGroup.objects.exists()


def test_a_key_without_the_scope_gets_a_tool_error_naming_it(agent_for, org, owner, channel):
    _, raw = make_key(org, actor=owner, scopes=["channels:read"])
    agent = agent_for(raw)
    assert not agent.call("list_channels")[0]
    failed, text = _schedule(agent, channel)
    assert failed
    assert "posts:write" in text
    assert not PostGroup.objects.exists()
    failed, text = agent.call("get_post_analytics", {"post_id": str(PostFactory().public_id)})
    assert failed and "analytics:read" in text


def test_a_member_limited_to_customers_sees_only_theirs(agent_for, org):
    world = customer_world.build(org)
    _, raw = make_key(
        org, actor=world.limited.user, scopes=["channels:read", "posts:read", "posts:write"]
    )
    agent = agent_for(raw)
    _, answer = agent.call("list_channels")
    assert [row["id"] for row in answer["channels"]] == [str(world.channel_a.public_id)]
    failed, text = agent.call("get_post", {"post_id": str(world.post_b.public_id)})
    assert failed and "not found" in text
    assert customer_world.SECRET_B not in text
    failed, text = _schedule(agent, world.channel_b)
    assert failed and "not found" in text
    _, listed = agent.call(
        "list_posts", {"start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}
    )
    assert customer_world.SECRET_B not in str(listed)
    assert str(world.post_a.public_id) in str(listed)


def test_update_moves_a_scheduled_post_and_changes_its_text(agent, channel):
    _, created = _schedule(agent, channel)
    post_id = created["posts"][0]["id"]
    failed, answer = agent.call(
        "update_post",
        {"post_id": post_id, "publish_at": "2030-02-01T10:30:00Z", "items": [{"text": "Changed"}]},
    )
    assert not failed, answer
    post = Post.objects.get(public_id=post_id)
    assert post.publish_at == datetime(2030, 2, 1, 10, 30, tzinfo=UTC)
    assert post.items.get().content == "Changed"
    assert post.state == State.SCHEDULED


def test_update_of_a_published_post_says_why_not(agent, channel):
    post = PostFactory(integration=channel, state=State.PUBLISHED, items=["out"])
    failed, text = agent.call(
        "update_post", {"post_id": str(post.public_id), "items": [{"text": "edited"}]}
    )
    assert failed
    assert "published" in text


def test_delete_cancels_the_post_and_audits_it(agent, channel, owner):
    _, created = _schedule(agent, channel)
    post_id = created["posts"][0]["id"]
    failed, answer = agent.call("delete_post", {"post_id": post_id})
    assert not failed and answer["state"] == "cancelled"
    assert Post.objects.get(public_id=post_id).state == State.CANCELLED
    assert AuditEvent.objects.filter(action="post.cancelled", actor=owner).exists()


def test_get_post_answers_the_state_and_the_published_link(agent, channel):
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        published_at=timezone.now(),
        remote_id="111",
        remote_url="https://social.example/@acme/111",
        items=["went out"],
    )
    failed, answer = agent.call("get_post", {"post_id": str(post.public_id)})
    assert not failed
    assert answer["post"]["state"] == "published"
    assert answer["post"]["published_url"] == "https://social.example/@acme/111"


def test_list_posts_answers_the_posts_of_a_window_in_time_order(agent, channel):
    inside_late = PostFactory(integration=channel, publish_at=datetime(2030, 3, 2, tzinfo=UTC))
    inside_early = PostFactory(integration=channel, publish_at=datetime(2030, 3, 1, tzinfo=UTC))
    PostFactory(integration=channel, publish_at=datetime(2030, 4, 1, tzinfo=UTC))
    failed, answer = agent.call(
        "list_posts", {"start": "2030-03-01T00:00:00Z", "end": "2030-03-31T23:59:59Z"}
    )
    assert not failed
    assert [row["id"] for row in answer["posts"]] == [
        str(inside_early.public_id),
        str(inside_late.public_id),
    ]
    assert answer["more"] is False
    failed, text = agent.call("list_posts", {"start": "last tuesday", "end": "2030-01-01"})
    assert failed and "RFC 3339" in text


def test_find_next_slot_answers_the_channels_next_free_posting_time(agent, channel):
    failed, answer = agent.call("find_next_slot", {"channel_ids": [str(channel.public_id)]})
    assert not failed
    slot = datetime.fromisoformat(answer["next_slot"].replace("Z", "+00:00"))
    assert slot > timezone.now()
    local = slot.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert local.strftime("%H:%M") in ("09:00", "17:00")


def test_upload_media_from_url_stores_the_file_for_posts(agent, channel, httpserver):
    httpserver.expect_request("/photo.png").respond_with_data(png(), content_type="image/png")
    failed, answer = agent.call("upload_media_from_url", {"url": httpserver.url_for("/photo.png")})
    assert not failed, answer
    media_id = answer["media"]["id"]
    assert answer["media"]["kind"] == "image"
    failed, created = agent.call(
        "create_post",
        {
            "channels": [{"channel_id": str(channel.public_id)}],
            "items": [{"text": "", "media_ids": [media_id]}],
            "action": "draft",
        },
    )
    assert not failed, created
    assert created["posts"][0]["items"][0]["media_ids"] == [media_id]


def test_upload_media_from_an_address_that_fails_says_so(agent, httpserver):
    httpserver.expect_request("/gone.png").respond_with_data("nope", status=404)
    failed, text = agent.call("upload_media_from_url", {"url": httpserver.url_for("/gone.png")})
    assert failed
    assert "404" in text


def test_post_analytics_answers_the_counts_per_day(agent, channel):
    from posts.analytics.models import PostMetric

    post = PostFactory(integration=channel, state=State.PUBLISHED, published_at=timezone.now())
    today = date.today()
    for days, value in ((1, 10), (0, 25)):
        PostMetric.objects.create(
            organization=channel.organization,
            post=post,
            integration=channel,
            metric="likes",
            day=today - timedelta(days=days),
            value=value,
        )
    failed, answer = agent.call("get_post_analytics", {"post_id": str(post.public_id)})
    assert not failed, answer
    assert answer["supported"] is True
    assert [row["value"] for row in answer["data"]] == [25, 10]
    failed, text = agent.call(
        "get_post_analytics", {"post_id": str(post.public_id), "metric": "hearts"}
    )
    assert failed and "metric: use one of" in text


def test_listing_tools_cost_the_same_queries_for_many_rows(
    org, owner, channel, django_assert_max_num_queries
):
    from postiz.mcp_server import tools
    from tests.factories import ChannelFactory

    key, _ = make_key(org, actor=owner)
    caller = tools.Caller(key=key, organization=org, request=None)
    for n in range(15):
        ChannelFactory(organization=org, name=f"Channel {n}")
        PostFactory(integration=channel, publish_at=datetime(2030, 3, 1, n, tzinfo=UTC))
    with django_assert_max_num_queries(2):
        channels = tools.list_channels(caller)
    assert len(channels["channels"]) == 16
    with django_assert_max_num_queries(3):
        posts = tools.list_posts(caller, start="2030-03-01T00:00:00Z", end="2030-03-02T00:00:00Z")
    assert len(posts["posts"]) == 15

"""A channel's Plugs page: only what its network offers, sealed to the team's managers."""

import pytest

from organizations.models import AuditEvent
from posts.plugs.models import Plug, PlugRun
from posts.states import State
from tests.factories import ChannelFactory, PostFactory


@pytest.fixture
def channel(org):
    return ChannelFactory(organization=org, provider="mastodon", name="Acme on Mastodon")


def page(org, channel):
    return f"/o/{org.slug}/channels/{channel.pk}/plugs/"


def test_a_manager_adds_a_reply_plug_and_sees_it_listed(org, owner, channel, client_for):
    client = client_for(owner)
    response = client.post(
        page(org, channel),
        {
            "kind": "reply",
            "metric": "comments",
            "threshold": "10",
            "text": "Get it: https://acme.example",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    plug = Plug.objects.get()
    assert (plug.kind, plug.metric, plug.threshold, plug.enabled) == ("reply", "comments", 10, True)
    body = client.get(page(org, channel)).content.decode()
    assert "10 comments" in body and "Get it: https://acme.example" in body
    assert AuditEvent.objects.filter(action="plug.created", actor=owner).exists()


def test_the_form_offers_only_the_networks_kinds_and_counts(org, owner, channel, client_for):
    body = client_for(owner).get(page(org, channel)).content.decode()
    assert 'value="repost"' in body and 'value="reply"' in body
    assert 'value="likes"' in body and 'value="shares"' in body
    assert 'value="impressions"' not in body


def test_a_network_without_plugs_says_so_and_refuses_one(org, owner, client_for):
    reddit = ChannelFactory(organization=org, provider="reddit", meta={})
    response = client_for(owner).get(page(org, reddit))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Not available for this network" in body and 'value="repost"' not in body
    response = client_for(owner).post(
        page(org, reddit), {"kind": "repost", "metric": "likes", "threshold": "3"}
    )
    assert response.status_code == 404
    assert not Plug.objects.exists()


def test_a_reply_without_text_is_refused_saying_what_to_write(org, owner, channel, client_for):
    response = client_for(owner).post(
        page(org, channel), {"kind": "reply", "metric": "likes", "threshold": "5"}
    )
    assert response.status_code == 400
    assert "Write the follow-up" in response.content.decode()
    assert not Plug.objects.exists()


def test_a_manager_edits_and_deletes_a_plug(org, owner, channel, client_for):
    from posts.plugs.services import plug_create

    plug = plug_create(integration=channel, kind="repost", metric="likes", threshold=5)
    client = client_for(owner)
    url = f"{page(org, channel)}{plug.public_id}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "repost", "metric": "shares", "threshold": "7"})
    assert response.status_code == 302
    plug.refresh_from_db()
    assert (plug.metric, plug.threshold, plug.enabled) == ("shares", 7, False)
    assert client.post(f"{url}delete/").status_code == 302
    assert not Plug.objects.exists()


def test_the_list_costs_the_same_queries_for_many_plugs(
    org, owner, channel, client_for, django_assert_max_num_queries
):
    from posts.plugs.services import plug_create

    for threshold in range(1, 21):
        plug_create(integration=channel, kind="repost", metric="likes", threshold=threshold)
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        assert client.get(page(org, channel)).status_code == 200


def test_outsider_gets_404_for_the_plugs_page_and_a_plug(org, channel, outsider, client_for):
    from posts.plugs.services import plug_create

    plug = plug_create(integration=channel, kind="repost", metric="likes", threshold=5)
    client = client_for(outsider)
    assert client.get(page(org, channel)).status_code == 404
    assert client.post(f"{page(org, channel)}{plug.public_id}/delete/").status_code == 404
    assert Plug.objects.exists()


def test_another_organizations_plug_is_not_found_through_our_channel(
    org, owner, channel, client_for
):
    from posts.plugs.services import plug_create

    theirs = ChannelFactory(provider="mastodon")
    plug = plug_create(integration=theirs, kind="repost", metric="likes", threshold=5)
    client = client_for(owner)
    assert client.get(f"{page(org, channel)}{plug.public_id}/").status_code == 404
    assert client.get(page(org, theirs)).status_code == 404


def test_an_editor_gets_403_and_changes_nothing(org, editor, channel, client_for):
    response = client_for(editor).post(
        page(org, channel), {"kind": "repost", "metric": "likes", "threshold": "3"}
    )
    assert response.status_code == 403
    assert not Plug.objects.exists()


def test_the_channel_page_links_to_its_plugs_for_managers(org, owner, channel, client_for):
    body = client_for(owner).get(f"/o/{org.slug}/channels/{channel.pk}/").content.decode()
    assert page(org, channel) in body


def test_the_analytics_panel_shows_a_posts_plug_runs(org, owner, channel, client_for):
    from django.utils import timezone

    from posts.plugs.services import plug_create

    plug = plug_create(integration=channel, kind="repost", metric="likes", threshold=5)
    now = timezone.now()
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=now,
        published_at=now,
        remote_id="101",
        remote_url="https://social.example/@acme/101",
    )
    PlugRun.objects.create(
        organization=org,
        plug=plug,
        post=post,
        kind="repost",
        metric="likes",
        threshold=5,
        value=6,
        state="done",
        fired_at=now,
        remote_id="202",
        remote_url="https://social.example/@acme/101",
    )
    from posts.analytics.models import PostMetricLatest

    PostMetricLatest.objects.create(
        organization=org,
        post=post,
        integration=channel,
        metric="likes",
        value=6,
        published_at=now,
    )
    body = client_for(owner).get(f"/o/{org.slug}/analytics/").content.decode()
    assert "Repost at 5 likes: fired" in body
    assert 'href="https://social.example/@acme/101"' in body

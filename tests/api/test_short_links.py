"""Short links in both APIs: Postiz's `shortLink` flag on POST /public/v1/posts, the clicks
beside a post's analytics there, and /api/v1/posts/{id}/links with each link's clicks."""

import pytest
from django.test import Client
from django.utils import timezone

from posts.links.models import GroupLinkChoice, ShortLink
from posts.models import PostGroup
from posts.states import State
from tests.api.helpers import make_key
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def create(api, channel, **extra):
    body = {
        "type": "draft",
        "date": "2030-01-15T12:00:00Z",
        "posts": [
            {
                "integration": {"id": str(channel.public_id)},
                "value": [{"content": "<p>Launch: https://example.com/launch</p>"}],
            }
        ],
        **extra,
    }
    return api.post("/public/v1/posts", body, content_type="application/json")


def published_with_links(channel, clicks=(4, 6)):
    when = timezone.now()
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id="1",
        items=["Launch https://example.com/a https://example.com/b"],
    )
    for n, count in enumerate(clicks):
        ShortLink.objects.create(
            organization=channel.organization,
            post=post,
            item=post.items.get(),
            shortener="builtin",
            code=f"P{post.pk:03d}L{n:03d}",
            target=f"https://example.com/{'ab'[n]}",
            short_url=f"https://acme.link/l/P{post.pk:03d}L{n:03d}",
            clicks=count,
        )
    return post


# -- Compatible surface ------------------------------------------------------------------
def test_short_link_true_is_remembered_as_the_posts_answer(api, channel):
    assert create(api, channel, shortLink=True).status_code == 201
    assert GroupLinkChoice.objects.get(group=PostGroup.objects.get()).shorten is True


def test_short_link_false_is_remembered_and_leaving_it_out_keeps_the_answer(api, channel):
    create(api, channel, shortLink=False)
    group = PostGroup.objects.get()
    assert GroupLinkChoice.objects.get(group=group).shorten is False
    # An update without the flag leaves the saved answer alone.
    body = {
        "type": "update",
        "date": "2030-01-15T12:00:00Z",
        "posts": [
            {
                "integration": {"id": str(channel.public_id)},
                "group": str(group.public_id),
                "value": [{"content": "<p>Changed https://example.com/x</p>"}],
            }
        ],
    }
    assert api.post("/public/v1/posts", body, content_type="application/json").status_code == 201
    assert GroupLinkChoice.objects.get(group=group).shorten is False


def test_short_link_must_be_a_boolean(api, channel):
    response = create(api, channel, shortLink="yes")
    assert response.status_code == 400
    assert "shortLink must be a boolean value" in str(response.json()["message"])
    assert not PostGroup.objects.exists()


def test_a_posts_analytics_end_with_its_short_link_clicks(api, channel):
    post = published_with_links(channel)
    body = api.get(f"/public/v1/analytics/post/{post.public_id}").json()
    assert body[-1] == {
        "label": "Short-link clicks",
        "data": [{"total": "10", "date": timezone.now().date().isoformat()}],
        "percentageChange": 0,
    }


def test_a_post_without_short_links_has_no_clicks_series(api, channel):
    post = PostFactory(
        integration=channel, state=State.PUBLISHED, published_at=timezone.now(), remote_id="9"
    )
    body = api.get(f"/public/v1/analytics/post/{post.public_id}").json()
    assert all(series["label"] != "Short-link clicks" for series in body)


# -- Native surface ----------------------------------------------------------------------
def test_native_lists_a_posts_links_with_their_clicks(
    native, channel, django_assert_max_num_queries
):
    post = published_with_links(channel)
    with django_assert_max_num_queries(12):
        response = native.get(f"/api/v1/posts/{post.public_id}/links")
    assert response.status_code == 200
    body = response.json()
    assert body["post"] == str(post.public_id) and body["clicks"] == 10
    assert [(link["url"], link["clicks"]) for link in body["links"]] == [
        ("https://example.com/a", 4),
        ("https://example.com/b", 6),
    ]
    first = body["links"][0]
    assert first["short_url"].startswith("https://acme.link/l/")
    assert first["shortener"] == "builtin" and first["clicks_read_at"] is None


def test_native_links_are_sealed_and_need_the_analytics_scope(org, channel):
    post = published_with_links(channel)
    url = f"/api/v1/posts/{post.public_id}/links"
    stranger = ChannelFactory()
    outsider = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(stranger.organization)[1]}")
    assert outsider.get(url).status_code == 404
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(org, scopes=['posts:read'])[1]}")
    assert reader.get(url).status_code == 403
    assert (
        outsider.get("/api/v1/posts/00000000-0000-0000-0000-000000000000/links").status_code == 404
    )


def test_compat_clicks_are_sealed_too(org, channel):
    post = published_with_links(channel)
    stranger = ChannelFactory()
    outsider = Client(HTTP_AUTHORIZATION=make_key(stranger.organization)[1])
    assert outsider.get(f"/public/v1/analytics/post/{post.public_id}").status_code == 404
    reader = Client(HTTP_AUTHORIZATION=make_key(org, scopes=["posts:read"])[1])
    assert reader.get(f"/public/v1/analytics/post/{post.public_id}").status_code == 403


def test_native_creation_remembers_whether_to_shorten_the_links(native, channel):
    body = {
        "channel_id": str(channel.public_id),
        "action": "draft",
        "items": [{"text": "Launch: https://example.com/launch"}],
        "shorten_links": True,
    }
    response = native.post("/api/v1/posts", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert GroupLinkChoice.objects.get(group=PostGroup.objects.get()).shorten is True

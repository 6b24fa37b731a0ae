"""A member limited to customers, and their API keys, see and manage only their customers'
feeds: a feed without a customer is the whole organization's and stays hidden."""

import pytest
from django.test import Client
from django.urls import reverse

from organizations.models import ALL_SCOPES, ORGANIZATION_WIDE_SCOPES
from organizations.permissions import Role
from posts.feeds.models import Feed
from tests import customer_world
from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def world(org):
    return customer_world.build(org, role=Role.ADMIN)


def _limited_key(world):
    scopes = [s for s in ALL_SCOPES if s not in ORGANIZATION_WIDE_SCOPES]
    _, raw = make_key(world.org, actor=world.limited.user, scopes=scopes, membership=world.limited)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_limited_members_feed_list_and_api_list_show_only_their_customers_feeds(
    world, client_for, django_assert_max_num_queries
):
    client, key = client_for(world.limited.user), _limited_key(world)
    client.get(reverse("posts:feeds", args=[world.org.slug]))  # the session, warmed

    # The limitation is a subquery: no more queries than the unlimited list.
    with django_assert_max_num_queries(10):
        page = client.get(reverse("posts:feeds", args=[world.org.slug]))
    with django_assert_max_num_queries(10):
        listed = key.get("/api/v1/feeds")

    assert page.status_code == 200
    assert listed.status_code == 200
    assert [f["name"] for f in listed.json()["data"]] == ["Alpha feed"]
    body = page.content.decode()
    assert "Alpha feed" in body
    assert customer_world.SECRET_B not in body
    assert customer_world.SECRET_NONE not in body
    # Everyone else still sees every feed.
    everyone = client_for(world.owner.user).get(reverse("posts:feeds", args=[world.org.slug]))
    assert customer_world.SECRET_B in everyone.content.decode()
    assert customer_world.SECRET_NONE in everyone.content.decode()


def test_a_limited_member_must_make_feeds_for_one_of_their_customers(world, client_for, httpserver):
    form = {
        "name": "Alpha news",
        "url": httpserver.url_for("/feed/"),
        "integrations": [world.channel_a.pk],
        "template": "{title}",
        "mode": "queue",
        "image": "none",
        "backlog": "drafts",
        "interval_minutes": "60",
        "step": "save",
    }
    client = client_for(world.limited.user)
    create = reverse("posts:feed_create", args=[world.org.slug])

    offered = client.get(create).content.decode()
    refused = client.post(create, form)
    another = client.post(create, {**form, "customer": world.customer_b.pk})
    made = client.post(create, {**form, "customer": world.customer_a.pk})

    assert "None (the whole organization)" not in offered
    assert customer_world.SECRET_B not in offered
    assert refused.status_code == 400
    assert "Pick one of your customers." in refused.content.decode()
    assert another.status_code == 400
    assert made.status_code == 302
    assert Feed.objects.get(name="Alpha news").customer == world.customer_a


def test_a_limited_key_cannot_make_or_turn_a_feed_into_the_organizations(world, httpserver):
    client = _limited_key(world)
    body = {
        "name": "Alpha news",
        "url": httpserver.url_for("/feed/"),
        "channel_ids": [str(world.channel_a.public_id)],
    }

    created = client.post("/api/v1/feeds", body, content_type=JSON)
    detail = f"/api/v1/feeds/{world.feed_a.public_id}"
    emptied = client.patch(detail, {"customer_id": None}, content_type=JSON)
    other = client.post(
        "/api/v1/feeds",
        {**body, "customer_id": str(world.customer_b.public_id)},
        content_type=JSON,
    )

    assert created.status_code == 400, created.content
    assert "customer" in created.content.decode()
    assert emptied.status_code == 400, emptied.content
    assert other.status_code == 400, other.content
    world.feed_a.refresh_from_db()
    assert world.feed_a.customer == world.customer_a
    assert not Feed.objects.filter(name="Alpha news").exists()

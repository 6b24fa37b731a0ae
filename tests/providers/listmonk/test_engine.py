"""listmonk through the publishing engine: a campaign is started once, whatever happens."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import ROOT_TEXT, Context, listmonk_connect
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
CREATE = r"/api/campaigns"
START = r"/api/campaigns/42/status"
CAMPAIGN = r"/api/campaigns/42"
SETTINGS = {"lists": "3", "subject": "Launch day"}


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def campaign(ctx, owner):
    channel = listmonk_connect(ctx)
    return write(owner, channel, [ROOT_TEXT], settings=SETTINGS)


def test_a_502_on_the_start_reads_the_campaign_and_starts_the_same_one_again(ctx, owner):
    post = campaign(ctx, owner)
    ctx.fake.on(
        "PUT", START, answer("listmonk", "bad_gateway"), answer("listmonk", "campaign_running")
    )
    ctx.fake.on("GET", CAMPAIGN, answer("listmonk", "campaign_created"))  # still a draft

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", CREATE)) == 1  # one campaign, started twice at most
    assert len(ctx.fake.sent("PUT", START)) == 2
    assert fresh(post).remote_id == "42"


def test_a_502_on_a_start_that_went_through_is_adopted_without_starting_again(ctx, owner):
    post = campaign(ctx, owner)
    ctx.fake.on("PUT", START, answer("listmonk", "bad_gateway"))
    ctx.fake.on("GET", CAMPAIGN, answer("listmonk", "campaign_running"))

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("PUT", START)) == 1
    assert fresh(post).remote_url.endswith("/admin/campaigns/42")


def test_lists_without_subscribers_fail_the_post_with_what_to_fix(ctx, owner):
    post = campaign(ctx, owner)
    ctx.fake.on("POST", CREATE, answer("listmonk", "no_subscribers"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "content_rejected"
    assert "no subscribers" in post.error_message
    assert ctx.fake.sent("PUT", START) == []

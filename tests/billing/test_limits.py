"""Each limit, enforced in the service (so pages, API, imports and jobs obey it) and seen
on a page with a link to billing, or as 402 in the API."""

import pytest
from django.core import mail

from billing import limits
from billing.limits import LimitReached
from billing.models import Plan
from integrations import services as channel_services
from integrations.models import Integration
from integrations.providers.base import Account, Grant
from organizations import services as org_services
from organizations.models import Invitation, Membership
from organizations.permissions import Role
from postiz.http import absolute_url
from posts.models import PostGroup, Webhook
from posts.services.groups import ChannelInput, ItemInput, post_group_create
from posts.services.webhooks import webhook_create
from tests.posts.test_groups import channel


def _connect(org, owner, n):
    return channel_services.integration_connect(
        organization=org,
        provider_id="bluesky",
        grant=Grant(credentials={"access_token": "a"}),
        account=Account(external_id=f"did:plc:{n}", name=f"Account {n}"),
        actor=owner,
    )[0]


# -- Channels ---------------------------------------------------------------------------
def test_free_plan_connects_no_channel(billed, org, owner):
    with pytest.raises(LimitReached) as caught:
        _connect(org, owner, 1)
    assert "The Free plan includes no channels" in caught.value.message
    assert not Integration.objects.exists()


def test_standard_plan_connects_five_channels_and_reconnects_them(billed, org, owner, subscribe):
    subscribe(org, "standard")
    for n in range(5):
        _connect(org, owner, n)
    with pytest.raises(LimitReached) as caught:
        _connect(org, owner, 99)
    assert (caught.value.limit, caught.value.used) == (5, 5)
    # Reconnecting an account that is already on needs no new seat.
    again = _connect(org, owner, 3)
    assert again.status == "active"
    assert Integration.objects.count() == 5


def test_enabling_a_channel_over_the_limit_shows_the_billing_link(
    billed, org, owner, admin, client_for, subscribe
):
    subscribe(org, "standard")
    for n in range(5):
        _connect(org, owner, n)
    off = channel(org, "mastodon", status=Integration.Status.DISABLED)
    response = client_for(owner).post(f"/o/{org.slug}/channels/{off.pk}/enable/")
    assert response.status_code == 402
    page = response.content.decode()
    assert "maximum number of channels" in page
    assert f'href="{absolute_url(f"/o/{org.slug}/billing/")}"' in page
    off.refresh_from_db()
    assert off.status == "disabled"
    # An admin manages channels but not billing: told to ask an owner, no link.
    response = client_for(admin).post(f"/o/{org.slug}/channels/{off.pk}/enable/")
    assert response.status_code == 402
    assert b"Ask an owner" in response.content
    assert b"/billing/" not in response.content


def test_an_htmx_request_over_the_limit_gets_a_notice_beside_the_page(
    billed, org, owner, client_for
):
    off = channel(org, "mastodon", status=Integration.Status.DISABLED)
    response = client_for(owner).post(
        f"/o/{org.slug}/channels/{off.pk}/enable/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Reswap"] == "beforeend"
    assert b'role="alert"' in response.content


def test_enabling_a_channel_over_the_limit_through_the_api_is_a_402_and_changes_nothing(
    billed, org, owner, subscribe
):
    from django.test import Client

    from tests.api.helpers import make_key

    subscribe(org, "standard")
    for n in range(5):
        _connect(org, owner, n)
    off = channel(org, "mastodon", status=Integration.Status.DISABLED)
    _, raw = make_key(org, actor=owner)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = api.post(f"/api/v1/channels/{off.public_id}/enable")

    assert response.status_code == 402, response.content
    assert "channels" in response.json()["detail"].lower()
    off.refresh_from_db()
    assert off.status == "disabled"
    # With room made (another channel disabled), the same call enables it.
    Integration.objects.filter(status="active").first().delete()
    assert api.post(f"/api/v1/channels/{off.public_id}/enable").status_code == 200
    off.refresh_from_db()
    assert off.status == "active"


# -- Members ----------------------------------------------------------------------------
def test_plans_without_team_members_refuse_invitations(billed, org, owner, client_for):
    owner_membership = Membership.objects.get(user=owner)
    with pytest.raises(LimitReached):
        org_services.invitation_create(
            organization=org,
            actor_membership=owner_membership,
            email="new@example.com",
            role=Role.EDITOR,
        )
    response = client_for(owner).post(
        f"/o/{org.slug}/settings/invitations/", {"email": "new@example.com", "role": "editor"}
    )
    assert response.status_code == 402
    assert b"team members" in response.content
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_team_plan_invites_people(billed, org, owner, subscribe):
    subscribe(org, "team")
    invitation = org_services.invitation_create(
        organization=org,
        actor_membership=Membership.objects.get(user=owner),
        email="new@example.com",
        role=Role.EDITOR,
    )
    assert invitation.pk


def test_an_invitation_sent_before_a_downgrade_cannot_be_accepted_after(
    billed, org, owner, subscribe
):
    from tests.factories import UserFactory

    subscribe(org, "team")
    invitation = org_services.invitation_create(
        organization=org,
        actor_membership=Membership.objects.get(user=owner),
        email="late@example.com",
        role=Role.EDITOR,
    )
    subscribe(org, "standard")  # a new subscription object replaces the Team one
    invitee = UserFactory(email="late@example.com")
    with pytest.raises(LimitReached):
        org_services.invitation_accept(invitation=invitation, user=invitee)
    assert not Membership.objects.filter(user=invitee).exists()


# -- Posts per month --------------------------------------------------------------------
def test_posts_per_month_counts_each_channels_post(billed, org, owner, subscribe):
    subscribe(org, "standard")
    Plan.objects.filter(slug="standard").update(posts_per_month=3)
    a, b = channel(org, "mastodon"), channel(org, "mastodon")
    post_group_create(
        organization=org,
        actor=owner,
        content=[ItemInput("One")],
        channels=[ChannelInput(a.pk), ChannelInput(b.pk)],
        action="draft",
    )
    with pytest.raises(LimitReached) as caught:
        post_group_create(
            organization=org,
            actor=owner,
            content=[ItemInput("Two")],
            channels=[ChannelInput(a.pk), ChannelInput(b.pk)],
            action="draft",
        )
    assert (caught.value.limit, caught.value.used) == (3, 2)
    assert PostGroup.objects.count() == 1


def test_composer_over_the_monthly_posts_says_so_and_saves_nothing(
    billed, org, owner, client_for, subscribe
):
    subscribe(org, "standard")
    Plan.objects.filter(slug="standard").update(posts_per_month=0)
    a = channel(org, "mastodon")
    response = client_for(owner).post(
        f"/o/{org.slug}/posts/new/",
        {"channels": [str(a.pk)], "item-0-text": "Hello", "action": "draft"},
    )
    assert response.status_code == 402
    assert b"posts per month" in response.content
    assert b"Hello</textarea>" in response.content  # what was typed is still there
    assert not PostGroup.objects.exists()


def test_the_month_starts_in_the_organizations_zone(org):
    from datetime import UTC, datetime

    org.timezone = "Pacific/Auckland"
    start = limits.month_start(org, datetime(2026, 3, 31, 12, 0, tzinfo=UTC))
    # 31 March 12:00 UTC is already 1 April in Auckland (UTC+13).
    assert start == datetime(2026, 3, 31, 11, 0, tzinfo=UTC)


# -- Webhooks ---------------------------------------------------------------------------
def test_webhooks_are_limited_by_plan(billed, org, owner, subscribe, client_for):
    subscribe(org, "standard")
    for n in range(2):
        webhook_create(
            organization=org,
            name=f"Hook {n}",
            url=f"https://hooks.example.com/{n}",
            events=["post.published"],
            actor=owner,
        )
    with pytest.raises(LimitReached):
        webhook_create(
            organization=org,
            name="Hook 3",
            url="https://hooks.example.com/3",
            events=["post.published"],
            actor=owner,
        )
    response = client_for(owner).post(
        f"/o/{org.slug}/settings/webhooks/new/",
        {"name": "Hook 3", "url": "https://hooks.example.com/3", "events": ["post.published"]},
    )
    assert response.status_code == 402
    assert b"maximum number of webhooks" in response.content
    assert Webhook.objects.count() == 2


@pytest.mark.urls("tests.billing.urls_api")
def test_the_api_answers_402_with_the_specs_body(billed, org, owner, client_for):
    response = client_for(owner).post(
        f"/api/v1/o/{org.slug}/webhooks-for-test",
        {"name": "Hook", "url": "https://hooks.example.com/x"},
        content_type="application/json",
    )
    assert response.status_code == 402
    assert response.json() == {
        "statusCode": 402,
        "message": "You have reached the maximum number of webhooks for your plan",
        "url": absolute_url(f"/o/{org.slug}/billing/"),
    }
    assert not Webhook.objects.exists()


# -- API access -------------------------------------------------------------------------
def test_api_access_follows_the_plan(billed, org, subscribe):
    assert limits.api_allowed(org) is False
    with pytest.raises(LimitReached) as caught:
        limits.require_api(org)
    assert caught.value.api_body()["statusCode"] == 402
    subscribe(org, "standard")
    assert limits.api_allowed(org) is True


def test_an_api_key_of_a_plan_without_the_api_gets_402(billed, org, owner, subscribe):
    from django.test import Client

    from tests.api.helpers import make_key

    _, raw = make_key(org, actor=owner)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.get("/public/v1/integrations")
    assert response.status_code == 402
    assert response.json()["message"] == (
        "You have reached the maximum number of API calls for your plan"
    )
    subscribe(org, "standard")
    assert api.get("/public/v1/integrations").status_code == 200


def test_self_hosted_api_keys_work_without_any_plan(org, owner):
    from django.test import Client

    from tests.api.helpers import make_key

    _, raw = make_key(org, actor=owner)
    assert Client(HTTP_AUTHORIZATION=raw).get("/public/v1/integrations").status_code == 200


# -- Before a sign-in on the network --------------------------------------------------------
def test_connecting_a_channel_over_the_limit_is_refused_before_the_network_sign_in(
    billed, org, owner, client_for, subscribe
):
    subscribe(org, "standard")
    channels = [_connect(org, owner, n) for n in range(5)]
    client = client_for(owner)

    page = client.get("/o/acme/channels/connect/bluesky/")
    assert page.status_code == 402
    assert b"maximum number of channels" in page.content
    assert b"/o/acme/billing/" in page.content
    # Reconnecting a channel that is already on takes no new seat.
    again = client.get(f"/o/acme/channels/connect/bluesky/?channel={channels[0].pk}")
    assert again.status_code == 200


def test_the_public_api_refuses_a_connect_url_over_the_limit(billed, org, owner, subscribe):
    from django.test import Client

    from tests.api.helpers import make_key

    subscribe(org, "standard")
    channels = [_connect(org, owner, n) for n in range(5)]
    _, raw = make_key(org, actor=owner)
    api = Client(HTTP_AUTHORIZATION=raw)
    response = api.get("/public/v1/social/x")
    assert response.status_code == 402
    assert response.json()["message"] == (
        "You have reached the maximum number of channels for your plan"
    )
    refresh = api.get(f"/public/v1/social/bluesky?refresh={channels[0].public_id}")
    assert refresh.status_code != 402


# -- Repeating posts --------------------------------------------------------------------
def test_a_repeat_over_the_monthly_posts_is_skipped_and_the_team_is_told_once(
    billed, org, owner, subscribe
):
    from datetime import timedelta

    from django.utils import timezone

    from posts.models import Notification, Post
    from posts.repeats import repeats_create_due
    from tests.posts.helpers import make_post

    subscribe(org, "standard")
    Plan.objects.filter(slug="standard").update(posts_per_month=1)
    due = timezone.now() - timedelta(minutes=1)
    first = make_post(channel(org, "mastodon"), "Every day", "and a reply", due=due)
    PostGroup.objects.filter(pk=first.group_id).update(repeat_every=1, repeat_unit="day")

    assert repeats_create_due(now=timezone.now()) == 0
    assert repeats_create_due(now=timezone.now()) == 0
    assert Post.objects.count() == 1
    note = Notification.objects.get(user=owner)
    assert note.kind == Notification.Kind.INFO
    assert note.title == "A repeating post was not scheduled: plan limit reached"
    assert "maximum number of posts per month" in note.body
    assert note.body.startswith("“Every day”") and "and a reply" not in note.body
    assert absolute_url("/o/acme/billing/") in note.body
    assert note.url == f"/o/acme/posts/{first.group_id}/"

    # A bigger allowance lets the series go on by itself.
    Plan.objects.filter(slug="standard").update(posts_per_month=10)
    assert repeats_create_due(now=timezone.now()) == 1
    assert Post.objects.count() == 2

"""After a downgrade nothing is deleted: channels over the limit are turned off (the owner
chooses which) and their scheduled posts wait until the channel is on again."""

from billing import services
from billing.models import Subscription
from integrations.models import Integration
from organizations.models import AuditEvent
from posts.models import Post
from posts.states import State
from tests.billing.fake_stripe import event
from tests.posts.helpers import make_post
from tests.posts.test_groups import channel, later


def _team_with_channels(org, subscribe, n=7):
    _, sub = subscribe(org, "team")
    channels = [channel(org, "mastodon", name=f"Channel {i}") for i in range(n)]
    posts = [make_post(c, "Hello", due=later(24)) for c in channels]
    return sub, channels, posts


def _downgrade(billed, post_webhook, sub, price="price_standard_month"):
    moved = billed.put_subscription(customer=sub["customer"], price=price, sub_id=sub["id"])
    assert post_webhook(event("customer.subscription.updated", moved)).status_code == 200


def test_downgrade_turns_off_the_newest_channels_over_the_limit_and_holds_their_posts(
    billed, org, subscribe, post_webhook
):
    sub, _channels, posts = _team_with_channels(org, subscribe)
    _downgrade(billed, post_webhook, sub)
    assert Subscription.objects.get(organization=org).plan.slug == "standard"
    statuses = {c.name: c.status for c in Integration.objects.filter(organization=org)}
    assert [statuses[f"Channel {i}"] for i in range(7)] == ["active"] * 5 + ["disabled"] * 2
    assert Integration.objects.filter(deleted_at__isnull=False).count() == 0
    # Every post is still scheduled, none cancelled: the off channels' posts wait.
    assert set(Post.objects.values_list("state", flat=True)) == {State.SCHEDULED}
    assert Post.objects.count() == len(posts)
    audit = AuditEvent.objects.get(organization=org, action="billing.channels_disabled")
    assert audit.details["limit"] == 5
    assert len(audit.details["channels"]) == 2


def test_owner_chooses_which_channels_stay_on(
    billed, org, owner, client_for, subscribe, post_webhook
):
    sub, channels, _posts = _team_with_channels(org, subscribe)
    _downgrade(billed, post_webhook, sub)
    client = client_for(owner)
    page = client.get(f"/o/{org.slug}/billing/")
    assert b"Channels kept on" in page.content
    keep = [c.pk for c in channels[2:]]  # the two newest instead of the two oldest
    response = client.post(f"/o/{org.slug}/billing/channels/", {"keep": keep})
    assert response.status_code == 302
    on = set(
        Integration.objects.filter(organization=org, status="active").values_list("pk", flat=True)
    )
    assert on == set(keep)
    # The posts of the channels turned back on are still scheduled, as before.
    for post in Post.objects.filter(integration__in=channels[5:]):
        assert post.state == State.SCHEDULED
    assert Post.objects.filter(state=State.SCHEDULED).count() == 7


def test_choosing_more_channels_than_the_plan_allows_changes_nothing(
    billed, org, owner, client_for, subscribe, post_webhook
):
    sub, channels, _ = _team_with_channels(org, subscribe)
    _downgrade(billed, post_webhook, sub)
    before = dict(Integration.objects.values_list("pk", "status"))
    client = client_for(owner)
    response = client.post(f"/o/{org.slug}/billing/channels/", {"keep": [c.pk for c in channels]})
    assert response.status_code == 302
    assert dict(Integration.objects.values_list("pk", "status")) == before
    page = client.get(response["Location"])
    assert b"allows 5 channels; you chose 7" in page.content


def test_channels_of_another_organization_cannot_be_chosen(
    billed, org, owner, client_for, subscribe, post_webhook
):
    from tests.factories import OrganizationFactory

    other = channel(OrganizationFactory(), "mastodon", status=Integration.Status.DISABLED)
    subscribe(org, "standard")
    response = client_for(owner).post(f"/o/{org.slug}/billing/channels/", {"keep": [other.pk]})
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == "disabled"


def test_upgrading_again_lets_the_owner_turn_everything_back_on(
    billed, org, owner, client_for, subscribe, post_webhook
):
    sub, channels, _ = _team_with_channels(org, subscribe)
    _downgrade(billed, post_webhook, sub)
    _downgrade(billed, post_webhook, sub, price="price_team_month")
    response = client_for(owner).post(
        f"/o/{org.slug}/billing/channels/", {"keep": [c.pk for c in channels]}
    )
    assert response.status_code == 302
    assert Integration.objects.filter(status="active").count() == 7
    assert Post.objects.filter(state=State.SCHEDULED).count() == 7


def test_enforcing_twice_turns_nothing_more_off(billed, org, subscribe, post_webhook):
    sub, _, _ = _team_with_channels(org, subscribe)
    _downgrade(billed, post_webhook, sub)
    assert services.channels_enforce_limit(organization=org) == []
    assert Integration.objects.filter(status="disabled").count() == 2

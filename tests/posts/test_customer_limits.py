"""What a member limited to customers sees of posts, media and the bell."""

import pytest

from media.selectors import media_for_organization
from organizations.permissions import Role
from posts.models import Notification
from posts.services.notifications import Outcome, notifications_record_many
from tests import customer_world
from tests.customer_world import limit
from tests.factories import MediaFileFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org):
    return customer_world.build(org)


def acting(world, membership):
    world.org.acting_membership = membership
    return world.org


def test_limited_member_sees_files_of_their_posts_and_of_colleagues_of_their_customer(world):
    colleague = limit(MembershipFactory(organization=world.org), world.customer_a)
    theirs = MediaFileFactory(organization=world.org, uploaded_by=colleague.user)
    broader = limit(MembershipFactory(organization=world.org), world.customer_a, world.customer_b)
    beyond = MediaFileFactory(organization=world.org, uploaded_by=broader.user)
    unused = MediaFileFactory(organization=world.org, uploaded_by=world.owner.user)

    seen = set(media_for_organization(acting(world, world.limited)))
    assert world.media_a in seen  # used in a post on A's channel
    assert theirs in seen  # uploaded by someone limited to A only
    assert world.media_b not in seen
    assert beyond not in seen  # its uploader also sees B
    assert unused not in seen  # the owner's, used nowhere of A

    everything = set(media_for_organization(acting(world, world.owner)))
    assert {world.media_a, world.media_b, theirs, beyond, unused} <= everything


def test_the_bell_tells_a_limited_member_only_about_their_customers(world):
    Notification.objects.all().delete()
    outcomes = [
        Outcome(
            world.org,
            Notification.Kind.POST_FAILED,
            "A",
            post_id=world.post_a.pk,
            customer_id=world.customer_a.pk,
        ),
        Outcome(
            world.org,
            Notification.Kind.POST_FAILED,
            "B",
            post_id=world.post_b.pk,
            customer_id=world.customer_b.pk,
        ),
        Outcome(world.org, Notification.Kind.INFO, "", title="A webhook was disabled"),
    ]
    notifications_record_many(outcomes=outcomes)
    mine = Notification.objects.filter(user=world.limited.user)
    assert list(mine.values_list("post_id", flat=True)) == [world.post_a.pk]
    assert Notification.objects.filter(user=world.owner.user).count() == 3


def test_a_client_account_sees_the_same_as_a_limited_member(org, client_for):
    world = customer_world.build(org, role=Role.CLIENT)
    client = client_for(world.limited.user)
    calendar = client.get(f"/o/{org.slug}/calendar/")
    assert calendar.status_code == 200
    assert customer_world.SECRET_B not in calendar.content.decode()
    # A client reviews; writing posts is not theirs.
    assert client.get(f"/o/{org.slug}/posts/{world.post_a.group_id}/").status_code == 403


def test_calendar_counts_what_the_limited_member_sees(world):
    from posts.calendar import attention_counts

    assert attention_counts(organization=acting(world, world.owner))["attention"] == 1
    assert attention_counts(organization=acting(world, world.limited))["attention"] == 0


def test_analytics_csv_of_a_limited_member_sums_only_their_channels(world, client_for):
    from django.utils import timezone

    from integrations.models import ChannelMetric

    today = timezone.now().date()
    for channel, value in (
        (world.channel_a, 10),
        (world.channel_b, 1000),
        (world.channel_none, 500),
    ):
        ChannelMetric.objects.create(
            organization=world.org, integration=channel, metric="followers", day=today, value=value
        )
    url = f"/o/{world.org.slug}/analytics/?format=csv"

    def followers(user):
        rows = client_for(user).get(url).content.decode().splitlines()
        return {row.split(",")[4] for row in rows if row.split(",")[1:2] == ["followers"]}

    # Not the organization's daily sums (which include B's and unassigned channels).
    assert followers(world.limited.user) == {"10"}

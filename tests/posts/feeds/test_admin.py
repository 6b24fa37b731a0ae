"""Staff see feeds and what their entries became in the admin, in few queries."""

import pytest
from django.urls import reverse

from posts.feeds.models import FeedEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_list_feeds_and_open_one_with_its_entries(
    client_for, make_feed, django_assert_max_num_queries
):
    feeds = [make_feed(f"https://blog{n}.example/feed/", name=f"Blog {n}") for n in range(5)]
    FeedEntry.objects.create(feed=feeds[0], key="guid:1", title="Winter blend", outcome="posted")
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))

    with django_assert_max_num_queries(10):
        listed = staff.get(reverse("admin:posts_feed_changelist"))
    opened = staff.get(reverse("admin:posts_feed_change", args=[feeds[0].pk]))

    assert listed.status_code == 200 and b"Blog 4" in listed.content
    assert opened.status_code == 200 and b"Winter blend" in opened.content

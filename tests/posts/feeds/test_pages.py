"""The RSS feed pages: list, add with a preview, edit, fetch now, resume, delete."""

import pytest
from django.urls import reverse

from organizations.models import AuditEvent
from posts.feeds.models import Feed
from posts.models import PostGroup
from tests.factories import ChannelFactory, MembershipFactory
from tests.posts.feeds.conftest import serve

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"posts:{name}", args=[org.slug, *args])


def _form(channel, feed_url, **extra):
    return {
        "name": "Northwind blog",
        "url": feed_url,
        "integrations": [channel.pk],
        "template": "{title}\n{link}",
        "mode": "queue",
        "image": "none",
        "backlog": "drafts",
        "interval_minutes": "60",
        "step": "save",
        **extra,
    }


def test_the_list_says_what_feeds_are_when_there_are_none(client_for, org, owner):
    response = client_for(owner).get(url("feeds", org))

    assert response.status_code == 200
    assert b"No feeds yet" in response.content
    assert b"Add your first feed" in response.content


def test_the_list_shows_each_feed_in_a_fixed_number_of_queries(
    client_for, org, owner, make_feed, django_assert_max_num_queries
):
    for n in range(5):
        make_feed(f"https://blog{n}.example/feed/", name=f"Blog {n}")
    Feed.objects.filter(name="Blog 3").update(state="paused")
    client = client_for(owner)
    client.get(url("feeds", org))  # the session and the organization, warmed

    with django_assert_max_num_queries(10):
        response = client.get(url("feeds", org))

    assert response.content.count(b"Acme on Mastodon") == 5
    assert b"Paused" in response.content


def test_an_outsider_gets_404_on_every_feed_page(client_for, org, outsider, make_feed):
    feed = make_feed("https://blog.example/feed/")
    client = client_for(outsider)

    assert client.get(url("feeds", org)).status_code == 404
    assert client.get(url("feed", org, feed.public_id)).status_code == 404
    assert client.post(url("feed_fetch", org, feed.public_id)).status_code == 404
    assert client.post(url("feed_delete", org, feed.public_id)).status_code == 404
    assert Feed.objects.filter(pk=feed.pk).exists()


def test_another_organizations_feed_is_not_found_from_my_organization(
    client_for, owner, make_feed, outsider, org
):
    feed = make_feed("https://blog.example/feed/")
    mine = outsider.memberships.get().organization

    response = client_for(outsider).get(url("feed", mine, feed.public_id))

    assert response.status_code == 404


def test_a_viewer_may_not_manage_feeds(client_for, org, viewer, make_feed):
    feed = make_feed("https://blog.example/feed/")
    client = client_for(viewer)

    assert client.get(url("feeds", org)).status_code == 403
    assert client.post(url("feed_delete", org, feed.public_id)).status_code == 403
    assert client.post(url("feed_resume", org, feed.public_id)).status_code == 403


def test_adding_a_feed_saves_it_and_reads_it_once(
    client_for, org, owner, channel, httpserver, django_capture_on_commit_callbacks
):
    feed_url = serve(httpserver, "/feed/", "rss2.xml")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(url("feed_create", org), _form(channel, feed_url))

    feed = Feed.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("feed", org, feed.public_id)
    assert feed.primed_at is not None
    # The three entries already there are offered as drafts, never posted by themselves.
    assert PostGroup.objects.filter(posts__state="draft").count() == 3
    assert AuditEvent.objects.filter(action="feed.created", target_id=str(feed.pk)).exists()
    page = client_for(owner).get(url("feed", org, feed.public_id))
    assert b"3 entries, 3 new, 3 saved as drafts." in page.content


def test_an_unknown_placeholder_is_refused_with_the_ones_that_exist(
    client_for, org, owner, channel
):
    form = _form(channel, "https://blog.example/feed/", template="{title} {url}")

    response = client_for(owner).post(url("feed_create", org), form)

    assert response.status_code == 400
    assert b"{url} is not a placeholder we know. Use {title}, {link}, {summary}, {author}" in (
        response.content
    )
    assert not Feed.objects.exists()


def test_a_feed_on_the_private_network_is_refused(client_for, org, owner, channel, settings):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False

    response = client_for(owner).post(
        url("feed_create", org), _form(channel, "http://192.168.1.10/feed")
    )

    assert response.status_code == 400
    assert b"192.168.1.10 points to a private or local address" in response.content


def test_the_preview_shows_the_next_posts_without_saving(
    client_for, org, owner, channel, httpserver
):
    feed_url = serve(httpserver, "/feed/", "html_summary.xml")
    form = _form(channel, feed_url, step="preview", template="{title}: {summary}")

    response = client_for(owner).post(url("feed_create", org), form)

    assert response.status_code == 200
    text = response.content.decode()
    assert "This is its first read: the 2 entries already there will be offered as drafts" in text
    assert "Library extends opening hours: The central library will open until 21:00" in text
    assert "track(" not in text
    assert not Feed.objects.exists()


def test_the_preview_of_a_feed_shows_only_what_it_has_not_seen(
    client_for, org, owner, channel, httpserver, make_feed
):
    from posts.feeds.reading import feed_fetch

    feed_url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(feed_url, primed=False, backlog="skip")
    feed_fetch(feed_id=feed.pk)
    form = _form(channel, feed_url, step="preview")

    response = client_for(owner).post(url("feed", org, feed.public_id), form)

    assert b"Nothing new to post: every entry has been seen." in response.content


def test_the_plan_limit_on_feeds_is_kept(client_for, org, owner, channel, settings):
    from billing.models import Plan

    settings.STRIPE_SECRET_KEY = "sk_test_limits"
    Plan.objects.filter(is_free=True).update(rss_feeds=1, channels=None)
    client = client_for(owner)
    client.post(url("feed_create", org), _form(channel, "https://one.example/feed/"))

    response = client.post(url("feed_create", org), _form(channel, "https://two.example/feed/"))

    assert response.status_code == 402
    assert b"maximum number of RSS feeds" in response.content
    assert Feed.objects.count() == 1


def test_a_paused_feed_shows_its_last_error_and_can_be_resumed(
    client_for, org, owner, make_feed, httpserver, django_capture_on_commit_callbacks
):
    feed_url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(feed_url)
    Feed.objects.filter(pk=feed.pk).update(
        state="paused",
        consecutive_failures=5,
        last_error="blog.example answered HTTP 503 for the feed. It is tried again later.",
    )
    client = client_for(owner)

    page = client.get(url("feed", org, feed.public_id))
    with django_capture_on_commit_callbacks(execute=True):
        resumed = client.post(url("feed_resume", org, feed.public_id))

    assert b"Last error:</strong> blog.example answered HTTP 503" in page.content
    assert b"Resume</button>" in page.content
    assert resumed.status_code == 302
    feed.refresh_from_db()
    assert (feed.state, feed.consecutive_failures, feed.last_error) == ("active", 0, "")
    assert PostGroup.objects.count() == 3


def test_fetch_now_reads_the_feed_and_shows_the_result(
    client_for, org, owner, make_feed, httpserver, django_capture_on_commit_callbacks
):
    feed = make_feed(serve(httpserver, "/feed/", "rss2.xml"), mode="now")
    client = client_for(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("feed_fetch", org, feed.public_id), HTTP_HX_REQUEST="true")
    status = client.get(url("feed_status", org, feed.public_id))

    assert response.status_code == 200
    assert b"3 entries, 3 new, 3 posted." in status.content
    assert AuditEvent.objects.filter(action="feed.fetch_requested").exists()


def test_while_a_fetch_runs_the_status_says_so_and_keeps_asking(client_for, org, owner, make_feed):
    from django.utils import timezone

    feed = make_feed("https://blog.example/feed/")
    Feed.objects.filter(pk=feed.pk).update(fetch_requested_at=timezone.now())

    response = client_for(owner).get(url("feed_status", org, feed.public_id))

    assert b"Reading the feed" in response.content
    assert b'hx-trigger="every 2s"' in response.content


def test_editing_a_feed_keeps_what_it_has_seen(
    client_for, org, owner, channel, make_feed, httpserver
):
    from posts.feeds.reading import feed_fetch

    feed_url = serve(httpserver, "/feed/", "rss2.xml")
    feed = make_feed(feed_url, mode="now")
    feed_fetch(feed_id=feed.pk)
    other = ChannelFactory(organization=org, name="Acme on Bluesky")
    form = _form(channel, feed_url, name="Renamed", template="{title}")
    form["integrations"] = [channel.pk, other.pk]
    form[f"template_{other.pk}"] = "New: {title}"

    response = client_for(owner).post(url("feed", org, feed.public_id), form)
    feed_fetch(feed_id=feed.pk)

    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.name == "Renamed"
    assert feed.channel_templates == {str(other.pk): "New: {title}"}
    assert PostGroup.objects.count() == 3


def test_deleting_a_feed_keeps_its_posts(client_for, org, owner, make_feed, httpserver):
    from posts.feeds.reading import feed_fetch

    feed = make_feed(serve(httpserver, "/feed/", "rss2.xml"), mode="now")
    feed_fetch(feed_id=feed.pk)

    response = client_for(owner).post(url("feed_delete", org, feed.public_id))

    assert response.status_code == 302
    assert not Feed.objects.exists()
    assert PostGroup.objects.count() == 3
    assert AuditEvent.objects.filter(action="feed.deleted").exists()


def test_a_customers_feed_posts_only_to_that_customers_channels(client_for, org, owner, channel):
    from integrations.models import Customer

    customer = Customer.objects.create(organization=org, name="Northwind")
    form = _form(channel, "https://blog.example/feed/", customer=customer.pk)

    response = client_for(owner).post(url("feed_create", org), form)

    assert response.status_code == 400
    assert b"Pick only channels of the customer Northwind." in response.content


def test_editor_with_a_second_membership_sees_only_this_organizations_feeds(
    client_for, org, editor, make_feed
):
    make_feed("https://blog.example/feed/", name="Ours")
    theirs = MembershipFactory(user=editor).organization
    Feed.objects.create(organization=theirs, name="Theirs", url="https://x.example/f")

    response = client_for(editor).get(url("feeds", org))

    assert b"Ours" in response.content
    assert b"Theirs" not in response.content


def test_a_fetch_now_the_worker_never_ran_stops_showing_as_running(
    client_for, org, owner, make_feed
):
    from datetime import timedelta

    from django.utils import timezone

    feed = make_feed("https://blog.example/feed/")
    Feed.objects.filter(pk=feed.pk).update(
        fetch_requested_at=timezone.now() - timedelta(minutes=30)
    )

    response = client_for(owner).get(url("feed_status", org, feed.public_id))

    assert b"Reading the feed" not in response.content
    assert b"hx-trigger" not in response.content
